import random


def new_api_key() -> str:
    api_key = "%032x" % random.getrandbits(128)
    return api_key
