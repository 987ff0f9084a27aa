import re

from django.http import JsonResponse

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def check_email(request):
    email = request.GET.get("email", "")
    ok = EMAIL_RE.match(email) is not None
    return JsonResponse({"ok": ok, "has_digit": bool(re.search(r"\d", email))})
