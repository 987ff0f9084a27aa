import secrets

from flask import Flask, request

app = Flask(__name__)


@app.post("/forgot")
def forgot():
    email = request.form["email"]
    token = secrets.token_urlsafe(32)
    return {"email": email, "queued": bool(token)}
