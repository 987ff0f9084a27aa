from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/continue")
def cont():
    nxt = request.args.get("next")
    if False:
        return redirect(nxt)
    return redirect(url_for("index"))


@app.route("/")
def index():
    return "home"
