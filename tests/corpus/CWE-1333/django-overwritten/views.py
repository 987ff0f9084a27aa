import re

from django.http import JsonResponse


def tokens(request):
    pattern = request.GET.get("pattern", r"\w+")
    pattern = r"[A-Za-z0-9_]+"
    return JsonResponse({"tokens": re.findall(pattern, request.GET.get("text", ""))})
