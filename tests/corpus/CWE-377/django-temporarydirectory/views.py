import os
import tempfile

from django.http import HttpResponse


def pdf(request):
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "report.pdf")
        with open(path, "wb") as fh:
            fh.write(b"%PDF-1.4")
        with open(path, "rb") as fh:
            return HttpResponse(fh.read(), content_type="application/pdf")
