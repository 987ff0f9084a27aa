import hashlib


def content_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
