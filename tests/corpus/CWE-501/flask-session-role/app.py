import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


@app.post("/profile")
def update_profile():
    session["role"] = request.form.get("role", "user")
    return {"ok": True}
