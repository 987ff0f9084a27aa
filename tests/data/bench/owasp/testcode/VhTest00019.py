import json

from flask import request


def load_cart_safely():
    blob = request.get_data()
    return json.loads(blob)
