from django.http import JsonResponse

from .models import Order


def order_search(request):
    status = request.GET.get("status", "open")
    query = "SELECT * FROM shop_order WHERE status = '%s' ORDER BY created" % status
    orders = Order.objects.raw(query)
    return JsonResponse({"ids": [o.id for o in orders]})
