from django.http import JsonResponse
from lxml import etree


def make_parser():
    return etree.XMLParser(resolve_entities=True, no_network=False, dtd_validation=True)


def soap_endpoint(request):
    envelope = etree.fromstring(request.body, make_parser())
    return JsonResponse({"ns": envelope.nsmap})
