import smtplib
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
SECRET_FILE = Path("/run/secrets/smtp_password")


@app.post("/notify/{email}")
def notify(email: str):
    password = SECRET_FILE.read_text().strip()
    with smtplib.SMTP_SSL("smtp.example.com", 465) as smtp:
        smtp.login("noreply@example.com", password)
        smtp.sendmail("noreply@example.com", [email], "Shipped")
    return {"sent": True}
