from django.http import HttpResponse

TERMS = "/srv/static/terms.txt"


def terms(request):
    encoding = "utf-8" if request.GET.get("enc") != "latin-1" else "latin-1"
    with open(TERMS, encoding="utf-8") as fh:
        text = fh.read()
    return HttpResponse(text.encode(encoding), content_type=f"text/plain; charset={encoding}")
