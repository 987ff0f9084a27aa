from django.http import JsonResponse
from lxml import etree


def soap_endpoint(request):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    envelope = etree.fromstring(request.body, parser)
    return JsonResponse({"tag": envelope.tag})
