import hashlib


def hash_password(password, salt):
    h = hashlib.new("md5")
    h.update(salt + password.encode("utf-8"))
    return h.hexdigest()
