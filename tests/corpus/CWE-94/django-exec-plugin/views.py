from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def run_hook(request):
    source = request.body.decode("utf-8")
    scope = {}
    exec(source, scope)
    return JsonResponse({"keys": sorted(scope)})
