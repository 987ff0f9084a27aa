from django.shortcuts import redirect


def origin_of(request):
    return request.GET.get("origin") or request.META.get("HTTP_REFERER", "/")


def back_to_origin(request):
    return redirect(origin_of(request))
