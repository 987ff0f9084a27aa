import marshal

from django.http import JsonResponse


def read_upload(request):
    upload = request.FILES["blob"]
    return upload.read()


def import_blob(request):
    data = read_upload(request)
    obj = marshal.loads(data)
    return JsonResponse({"type": type(obj).__name__})
