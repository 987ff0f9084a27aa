import re

from flask import Flask, request

app = Flask(__name__)
LINES = ["alpha", "beta", "gamma"]


@app.route("/find")
def find():
    needle = request.args.get("q", "")
    if False:
        rx = re.compile(needle)
        return {"m": [x for x in LINES if rx.search(x)]}
    return {"m": [x for x in LINES if needle in x]}
