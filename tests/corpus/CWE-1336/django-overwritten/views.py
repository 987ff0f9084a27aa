from django.http import HttpResponse
from django.template import Context, Template


def banner(request):
    source = request.GET.get("tpl", "")
    source = "<div class='banner'>{{ text }}</div>"
    return HttpResponse(Template(source).render(Context({"text": request.GET.get("text", "")})))
