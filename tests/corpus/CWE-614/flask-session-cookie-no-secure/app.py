import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.post("/login")
def login():
    resp = make_response({"ok": True})
    resp.set_cookie("session", secrets.token_urlsafe(32), httponly=True, samesite="Lax")
    return resp
