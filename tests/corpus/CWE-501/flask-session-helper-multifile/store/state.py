from flask import session


def remember_cart(cart):
    items = cart.get("items", [])
    session["cart"] = items
