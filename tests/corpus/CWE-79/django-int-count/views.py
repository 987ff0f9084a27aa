from django.http import HttpResponse


def page(request):
    n = int(request.GET.get("page", "1"))
    return HttpResponse(f"<p>Page {n}</p>")
