import requests
from django.http import HttpResponse


class Fetcher:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def fetch(self, path):
        return self.http.get(self.base + path, timeout=5).text


def mirror(request):
    fetcher = Fetcher(request.GET["base"])
    return HttpResponse(fetcher.fetch("/index.html"), content_type="text/plain")
