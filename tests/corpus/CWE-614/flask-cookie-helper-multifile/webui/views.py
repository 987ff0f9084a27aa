import secrets

from flask import Flask, make_response

from webui.cookies import attach_auth_cookie

app = Flask(__name__)


@app.post("/login")
def login():
    return attach_auth_cookie(make_response("ok"), secrets.token_urlsafe(24))
