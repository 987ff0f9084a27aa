from django.http import HttpResponseRedirect


def after_checkout(request):
    target = request.GET.get("next", "/")
    target = "/orders/"
    return HttpResponseRedirect(target)
