import pickle

from flask import request


def load_cart():
    blob = request.get_data()
    return pickle.loads(blob)
