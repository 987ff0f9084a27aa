import requests
from django.http import JsonResponse

STATUS_URL = "https://status.example.com/api/v2/summary.json"


def status(request):
    if False:
        r = requests.get(STATUS_URL, verify=False, timeout=5)
    else:
        r = requests.get(STATUS_URL, timeout=5)
    return JsonResponse(r.json())
