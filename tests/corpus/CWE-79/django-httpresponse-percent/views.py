from django.http import HttpResponse


def search(request):
    q = request.GET.get("q", "")
    return HttpResponse("<p>No results for <b>%s</b></p>" % q)
