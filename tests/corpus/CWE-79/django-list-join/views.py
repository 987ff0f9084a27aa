from django.http import HttpResponse


def tags(request):
    items = ["<li>{}</li>".format(t) for t in request.GET.getlist("tag")]
    return HttpResponse("<ul>" + "".join(items) + "</ul>")
