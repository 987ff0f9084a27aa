import base64
import pickle

from django.http import JsonResponse


def preferences(request):
    blob = request.COOKIES.get("prefs", "")
    prefs = pickle.loads(base64.b64decode(blob)) if blob else {}
    return JsonResponse({"theme": prefs.get("theme", "light")})
