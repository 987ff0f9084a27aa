import logging
import secrets

from django.http import JsonResponse

log = logging.getLogger(__name__)


def start_flow(request):
    log.info("flow started from %s", request.GET.get("src", "?"))
    request.session["flow_state"] = secrets.token_urlsafe(16)
    return JsonResponse({"started": True})
