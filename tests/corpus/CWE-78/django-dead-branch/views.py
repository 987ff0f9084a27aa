import subprocess

from django.http import JsonResponse


def thumbnail(request, image_id):
    if False:
        subprocess.call("make-thumb " + image_id, shell=True)
    code = subprocess.call(["make-thumb", str(int(image_id))])
    return JsonResponse({"ok": code == 0})
