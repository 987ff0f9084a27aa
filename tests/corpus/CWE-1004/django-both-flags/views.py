from django.http import JsonResponse


def issue_token(request):
    response = JsonResponse({"ok": True})
    response.set_cookie(
        "auth_token", request.session.session_key, max_age=3600, secure=True, httponly=True, samesite="Lax"
    )
    return response
