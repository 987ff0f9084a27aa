import os

from cryptography.fernet import Fernet

FERNET = Fernet(os.environ["FIELD_KEY"])


def encrypt_field(value: str) -> bytes:
    return FERNET.encrypt(value.encode())


def decrypt_field(token: bytes) -> str:
    return FERNET.decrypt(token).decode()
