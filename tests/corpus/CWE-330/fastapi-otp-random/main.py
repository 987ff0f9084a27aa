import random

from fastapi import FastAPI

app = FastAPI()


@app.post("/otp/{phone}")
def send_otp(phone: str):
    otp = int(random.random() * 1_000_000)
    return {"phone": phone, "sent": otp > -1}
