from flask import Flask, request

from .state import remember_cart

app = Flask(__name__)


@app.post("/cart")
def save_cart():
    remember_cart(request.get_json())
    return {"saved": True}
