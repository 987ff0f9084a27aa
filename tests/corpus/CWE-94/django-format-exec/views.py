from django.http import HttpResponse


def make_source(name):
    return "def greet():\n    return 'hello {}'\n".format(name)


def greeting(request):
    src = make_source(request.COOKIES.get("nick", "guest"))
    ns = {}
    exec(src, ns)
    return HttpResponse(ns["greet"]())
