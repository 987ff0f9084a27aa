from django.shortcuts import render


def search(request):
    q = request.GET.get("q", "")
    return render(request, "search.html", {"query": q, "results": []})
