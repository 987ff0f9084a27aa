import html

from django.http import HttpResponse


def refresh(request):
    target = html.escape(request.GET.get("to", "/"))
    response = HttpResponse(status=200)
    response["Refresh"] = "0; url=" + target
    return response
