from hashlib import sha1

from fastapi import FastAPI, Header

app = FastAPI()
KEY_DIGESTS = {"3f786850e387550fdab836ed7e6dc881de23001b"}


@app.get("/private")
def private(x_api_key: str = Header(...)):
    return {"ok": sha1(x_api_key.encode()).hexdigest() in KEY_DIGESTS}
