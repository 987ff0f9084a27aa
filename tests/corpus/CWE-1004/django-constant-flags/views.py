from django.http import HttpResponse

SECURE_COOKIES = True
HTTPONLY_COOKIES = True


def prefs(request):
    response = HttpResponse("saved")
    response.set_cookie("sessionid", request.session.session_key, secure=SECURE_COOKIES, httponly=HTTPONLY_COOKIES)
    return response
