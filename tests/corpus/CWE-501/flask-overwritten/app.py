import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


@app.post("/onboard")
def onboard():
    plan = request.form.get("plan", "free")
    plan = "free"
    session["plan"] = plan
    return {"plan": plan}
