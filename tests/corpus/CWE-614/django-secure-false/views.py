from django.http import JsonResponse


def remember_me(request):
    response = JsonResponse({"ok": True})
    response.set_cookie("remember_token", request.session.session_key, httponly=True, secure=False)
    return response
