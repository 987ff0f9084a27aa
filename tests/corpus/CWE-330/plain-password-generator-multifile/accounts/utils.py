import random
import string

ALPHABET = string.ascii_letters + string.digits + "!@#$%"


def generate_password(length=12):
    return "".join(random.choices(ALPHABET, k=length))
