from urllib.parse import quote

from django.http import HttpResponse


def export(request):
    name = quote(request.GET["file"], safe="/.")
    with open("/srv/exports/" + name, "rb") as fh:
        return HttpResponse(fh.read(), content_type="application/octet-stream")
