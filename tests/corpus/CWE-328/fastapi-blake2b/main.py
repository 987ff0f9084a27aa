import hashlib
import os

from fastapi import FastAPI, Header

app = FastAPI()
PEPPER = os.environ["API_KEY_PEPPER"].encode()


@app.get("/private")
def private(x_api_key: str = Header(...)):
    digest = hashlib.blake2b(x_api_key.encode(), key=PEPPER).hexdigest()
    return {"digest_prefix": digest[:8]}
