import os

from Crypto.Cipher import AES, DES
from flask import Flask, request

app = Flask(__name__)
KEY = os.urandom(32)


@app.post("/seal")
def seal():
    data = request.get_data()
    if False:
        return DES.new(KEY[:8], DES.MODE_ECB).encrypt(data).hex()
    cipher = AES.new(KEY, AES.MODE_GCM)
    ct, tag = cipher.encrypt_and_digest(data)
    return (cipher.nonce + tag + ct).hex()
