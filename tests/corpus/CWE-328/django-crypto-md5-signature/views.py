from Crypto.Hash import MD5
from django.http import HttpResponse

WEBHOOK_SALT = b"k"


def webhook(request):
    digest = MD5.new(WEBHOOK_SALT + request.body).hexdigest()
    if digest != request.headers.get("X-Signature"):
        return HttpResponse(status=403)
    return HttpResponse("ok")
