from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/lang")
def lang():
    resp = make_response("ok")
    resp.headers["Content-Language"] = request.args.get("lang", "en")
    return resp
