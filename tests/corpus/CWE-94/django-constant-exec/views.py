from django.http import JsonResponse

SNIPPET = "result = sum(values) / max(len(values), 1)"


def average(request):
    values = [float(v) for v in request.GET.getlist("v")]
    ns = {"values": values}
    exec(SNIPPET, ns)
    return JsonResponse({"avg": ns["result"]})
