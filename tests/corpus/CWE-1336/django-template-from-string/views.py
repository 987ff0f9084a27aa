from django.http import HttpResponse
from django.template import Context, Template


def render_snippet(request):
    tpl = Template(request.POST["snippet"])
    return HttpResponse(tpl.render(Context({"user": request.user})))
