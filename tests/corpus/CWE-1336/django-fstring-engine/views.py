from django.http import HttpResponse
from django.template import engines


def signature_template(signature):
    return f"<p>Regards,</p><p>{signature}</p>"


def email_preview(request):
    source = signature_template(request.GET.get("sig", ""))
    tpl = engines["django"].from_string(source)
    return HttpResponse(tpl.render({}))
