import hashlib


def fingerprint(secret: str) -> str:
    digest = hashlib.sha1()
    digest.update(secret.encode())
    return digest.hexdigest()
