from django.contrib import messages
from django.shortcuts import redirect


def subscribe(request):
    topic = request.POST.get("topic", "news")
    messages.info(request, "Subscribed")
    request.session.modified = True
    return redirect("/newsletter/thanks/")
