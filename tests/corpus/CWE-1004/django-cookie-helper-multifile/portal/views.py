from django.http import HttpResponse

from .auth_cookies import set_login_cookie


def login_done(request):
    response = HttpResponse("welcome")
    set_login_cookie(response, request.session.session_key)
    return response
