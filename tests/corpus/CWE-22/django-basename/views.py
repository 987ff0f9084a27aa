import os

from django.http import HttpResponse

EXPORTS = "/srv/exports"


def export(request):
    name = os.path.basename(request.GET["file"])
    with open(os.path.join(EXPORTS, name), "rb") as fh:
        return HttpResponse(fh.read(), content_type="application/octet-stream")
