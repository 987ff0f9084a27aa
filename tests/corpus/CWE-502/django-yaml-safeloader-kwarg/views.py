import yaml
from django.http import JsonResponse


def import_settings(request):
    doc = yaml.load(request.body, Loader=yaml.SafeLoader)
    return JsonResponse({"keys": sorted(doc)})
