import secrets

from fastapi import FastAPI

app = FastAPI()


@app.post("/otp/{phone}")
def send_otp(phone: str):
    otp = f"{secrets.randbelow(1_000_000):06d}"
    return {"phone": phone, "sent": len(otp) == 6}
