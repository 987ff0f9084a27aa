import hashlib

from flask import request


def store_password():
    password = request.form["password"]
    return hashlib.md5(password.encode()).hexdigest()
