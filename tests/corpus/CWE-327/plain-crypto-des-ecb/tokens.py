from Crypto.Cipher import DES
from Crypto.Util.Padding import pad


def encrypt_card(key: bytes, number: str) -> bytes:
    cipher = DES.new(key, DES.MODE_ECB)
    return cipher.encrypt(pad(number.encode(), 8))
