import re

from flask import Flask, request

app = Flask(__name__)
LINES = ["alpha", "beta", "gamma"]


@app.route("/grep")
def grep():
    pattern = re.compile(request.args["pattern"])
    return {"matches": [line for line in LINES if pattern.search(line)]}
