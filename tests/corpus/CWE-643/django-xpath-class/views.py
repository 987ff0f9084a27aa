from django.http import JsonResponse
from lxml import etree

CATALOG = etree.parse("/srv/catalog.xml")


def by_author(request):
    author = request.GET["author"]
    find = etree.XPath("//book[author='" + author + "']/title/text()")
    return JsonResponse({"titles": find(CATALOG)})
