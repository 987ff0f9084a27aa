import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FIELD_KEY = bytes.fromhex(os.environ["FIELD_KEY"])


def encrypt_field(value: str) -> bytes:
    padder = padding.PKCS7(128).padder()
    data = padder.update(value.encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(FIELD_KEY), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()
