from django.http import HttpResponseRedirect


def logout_view(request):
    request.session.flush()
    return HttpResponseRedirect(request.POST.get("return_to", "/"))
