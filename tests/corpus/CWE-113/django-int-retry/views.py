from django.http import HttpResponse


def busy(request):
    seconds = int(request.GET.get("wait", "30"))
    response = HttpResponse("busy", status=503)
    response["Retry-After"] = str(seconds)
    return response
