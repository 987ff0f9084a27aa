from shop.db import repo


def lookup(username):
    cleaned = username.strip()
    return repo.find_user(cleaned)
