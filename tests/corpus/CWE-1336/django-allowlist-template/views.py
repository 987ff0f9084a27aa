from django.http import HttpResponse
from django.template import Context, Template

LAYOUTS = {
    "short": "<p>{{ title }}</p>",
    "long": "<h2>{{ title }}</h2><p>{{ body }}</p>",
}


def card(request):
    layout = request.GET.get("layout", "short")
    if layout not in LAYOUTS:
        layout = "short"
    tpl = Template(LAYOUTS[layout])
    return HttpResponse(tpl.render(Context({"title": request.GET.get("title", "")})))
