import requests
from django.http import JsonResponse


def stock(request, product_id):
    pid = int(product_id)
    r = requests.get(f"http://inventory.internal/stock/{pid}", timeout=3)
    return JsonResponse(r.json())
