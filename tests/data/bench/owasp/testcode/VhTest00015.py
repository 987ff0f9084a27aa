import hashlib

from flask import request


def store_password_safely():
    password = request.form["password"]
    salt = b"per-user-salt"
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000).hex()
