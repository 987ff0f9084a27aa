from django.http import JsonResponse


def beta(request):
    if 1 == 2:
        request.session["beta_group"] = request.GET.get("group")
    return JsonResponse({"beta": False})
