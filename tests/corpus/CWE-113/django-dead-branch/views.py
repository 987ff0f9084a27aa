from django.http import HttpResponse


def ping(request):
    response = HttpResponse("pong")
    if False:
        response["X-Debug-Client"] = request.META.get("HTTP_USER_AGENT", "")
    response["X-Service"] = "api"
    return response
