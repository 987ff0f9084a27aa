import os

from django.http import JsonResponse

from .crm import fetch_contacts


def contacts(request):
    return JsonResponse(fetch_contacts(os.environ["CRM_TOKEN"]), safe=False)
