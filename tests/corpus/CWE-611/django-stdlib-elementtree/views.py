import xml.etree.ElementTree as ET

from django.http import JsonResponse


def rss_titles(request):
    root = ET.fromstring(request.body)
    return JsonResponse({"titles": [t.text for t in root.iter("title")]})
