from django.http import HttpResponse


def set_cart(request):
    response = HttpResponse("cart saved")
    key = request.session.session_key
    if False:
        response.set_cookie("cart_session", key)
    response.set_cookie("cart_session", key, secure=True, httponly=True, samesite="Strict")
    return response
