from .navigation import back_to_origin


def password_changed(request):
    return back_to_origin(request)
