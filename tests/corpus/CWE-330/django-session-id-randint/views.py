import random

from django.http import JsonResponse


def start_session(request):
    session_id = str(random.randint(10**15, 10**16 - 1))
    response = JsonResponse({"ok": True})
    response.set_cookie("sid", session_id, secure=True, httponly=True)
    return response
