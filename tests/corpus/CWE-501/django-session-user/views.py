from django.http import JsonResponse


def impersonate(request):
    request.session["acting_as"] = request.GET["user"]
    return JsonResponse({"acting_as": request.session["acting_as"]})
