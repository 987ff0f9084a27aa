import hashlib
import secrets

from django.http import JsonResponse


def reset_token(request):
    token = secrets.token_urlsafe(32)
    stored = hashlib.sha256(token.encode()).hexdigest()
    request.session["reset_digest"] = stored
    return JsonResponse({"sent": True})
