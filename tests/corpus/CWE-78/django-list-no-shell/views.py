import subprocess

from django.http import HttpResponse


def convert_image(request):
    name = request.POST["name"]
    result = subprocess.run(["convert", "--", f"uploads/{name}", "out/result.png"], capture_output=True)
    return HttpResponse(result.stdout)
