from django.http import HttpResponse


def set_cart(request):
    response = HttpResponse("cart saved")
    response.set_cookie("cart_session", request.session.session_key, 86400, httponly=True)
    return response
