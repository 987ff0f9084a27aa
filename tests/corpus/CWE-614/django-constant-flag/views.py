from django.http import JsonResponse

COOKIE_SECURE = True
COOKIE_HTTPONLY = True


def remember_me(request):
    response = JsonResponse({"ok": True})
    response.set_cookie(
        "remember_token", request.session.session_key, secure=COOKIE_SECURE, httponly=COOKIE_HTTPONLY
    )
    return response
