import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/diag/ping")
def ping():
    host = request.args.get("host", "localhost")
    status = os.system("ping -c 1 " + host)
    return {"reachable": status == 0}
