import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.post("/remember")
def remember():
    resp = make_response("remembered")
    resp.set_cookie("remember_me", secrets.token_hex(20), max_age=30 * 86400, secure=True)
    return resp
