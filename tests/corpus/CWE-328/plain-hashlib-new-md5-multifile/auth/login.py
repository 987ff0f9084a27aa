from .passwords import hash_password


def check(stored, salt, attempt):
    return stored == hash_password(attempt, salt)
