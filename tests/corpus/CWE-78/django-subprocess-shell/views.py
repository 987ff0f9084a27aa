import subprocess

from django.http import HttpResponse


def convert_image(request):
    fmt = request.POST.get("format", "png")
    name = request.POST["name"]
    result = subprocess.run(
        "convert uploads/{0} out/{0}.{1}".format(name, fmt), shell=True, capture_output=True
    )
    return HttpResponse(result.stdout)
