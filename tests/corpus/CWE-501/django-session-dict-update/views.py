from django.http import JsonResponse


def save_prefs(request):
    prefs = {"theme": request.POST.get("theme"), "lang": request.POST.get("lang")}
    request.session["prefs"] = prefs
    return JsonResponse(prefs)
