import hashlib
import time

from django.http import JsonResponse


def reset_token(request):
    email = request.POST["email"]
    token = hashlib.sha1(f"{email}:{time.time()}".encode()).hexdigest()
    return JsonResponse({"sent": bool(token)})
