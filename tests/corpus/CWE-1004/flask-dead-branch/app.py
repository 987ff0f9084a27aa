import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.post("/login")
def login():
    resp = make_response("ok")
    token = secrets.token_urlsafe(32)
    if False:
        resp.set_cookie("session", token)
    resp.set_cookie("session", token, secure=True, httponly=True)
    return resp
