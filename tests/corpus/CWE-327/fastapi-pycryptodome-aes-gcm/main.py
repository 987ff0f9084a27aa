import os

from Crypto.Cipher import AES
from fastapi import FastAPI

app = FastAPI()
KEY = bytes.fromhex(os.environ["ID_KEY"])


@app.get("/share/{doc_id}")
def share(doc_id: int):
    cipher = AES.new(KEY, AES.MODE_GCM)
    token, tag = cipher.encrypt_and_digest(doc_id.to_bytes(8, "big"))
    return {"link": "/s/" + (cipher.nonce + tag + token).hex()}
