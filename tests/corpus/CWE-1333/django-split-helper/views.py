import re

from django.http import JsonResponse


def separator_of(request):
    return request.GET.get("sep", ",")


def split_values(request):
    sep = separator_of(request)
    parts = re.split(sep, request.GET.get("data", ""))
    return JsonResponse({"parts": parts})
