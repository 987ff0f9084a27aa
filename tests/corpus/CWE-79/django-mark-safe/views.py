from django.shortcuts import render
from django.utils.safestring import mark_safe


def profile(request, username):
    bio = request.POST.get("bio", "")
    return render(request, "profile.html", {"user": username, "bio": mark_safe(bio)})
