import os

from flask import Flask, redirect, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


@app.post("/login")
def login():
    if request.form.get("password") == "":
        return "missing password", 400
    target = request.args.get("next", "/")
    return redirect(target)
