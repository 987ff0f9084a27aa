import os

from Crypto.Cipher import AES
from fastapi import FastAPI

app = FastAPI()
KEY = bytes.fromhex(os.environ["ID_KEY"])


@app.get("/share/{doc_id}")
def share(doc_id: int):
    cipher = AES.new(KEY, AES.MODE_ECB)
    token = cipher.encrypt(doc_id.to_bytes(16, "big"))
    return {"link": "/s/" + token.hex()}
