"""Application factory and a few routes defined directly on the app."""

import os

from flask import Flask, request

from . import utils
from .views import bp

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev-secret-key-2f9a"  # VULN: CWE-798 hard-coded secret key
app.register_blueprint(bp)


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "0")
    return str(eval(expression))  # VULN: CWE-95 eval of request data


@app.route("/calc-safe")
def calc_safe():
    return str(int(request.args.get("a", "0")) + int(request.args.get("b", "0")))  # SAFE: int()


@app.route("/settings", methods=["POST"])
def upload_settings():
    settings = utils.load_settings(request.get_data(as_text=True))  # source for utils.load_settings
    return {"keys": sorted(settings)}


@app.route("/register", methods=["POST"])
def register():
    digest = utils.hash_password(request.form["password"])
    return {"stored": bool(digest)}


def serve_dev():
    app.run(debug=os.environ.get("SHOP_DEBUG") == "1")  # SAFE: debug only when asked for


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)  # VULN: CWE-489 debug mode in production
