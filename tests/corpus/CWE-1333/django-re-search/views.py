import re

from django.http import JsonResponse

from .models import Article


def search_titles(request):
    rx = request.POST.get("regex", "")
    titles = Article.objects.values_list("title", flat=True)
    return JsonResponse({"hits": [t for t in titles if re.search(rx, t)]})
