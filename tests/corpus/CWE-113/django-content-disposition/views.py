from django.http import HttpResponse


def download_csv(request):
    filename = request.GET.get("filename", "export.csv")
    response = HttpResponse("a,b\n1,2\n", content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="%s"' % filename
    return response
