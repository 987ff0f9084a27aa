from django.http import FileResponse

from .files import scratch_path


def pdf(request):
    path = scratch_path(".pdf")
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.4")
    return FileResponse(open(path, "rb"))
