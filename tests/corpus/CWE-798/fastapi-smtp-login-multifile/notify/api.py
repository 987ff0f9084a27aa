from fastapi import FastAPI

from notify.mailer import send

app = FastAPI()


@app.post("/notify/{email}")
def notify(email: str):
    send(email, "Your order has shipped.")
    return {"sent": True}
