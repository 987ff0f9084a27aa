from django.http import HttpResponse

from .storage import read_document


def document(request, slug):
    return HttpResponse(read_document(slug), content_type="text/plain")
