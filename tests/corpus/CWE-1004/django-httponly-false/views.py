from django.http import JsonResponse


def issue_token(request):
    response = JsonResponse({"ok": True})
    response.set_cookie("auth_token", request.session.session_key, secure=True, httponly=False)
    return response
