import shlex

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    msg = shlex.quote(request.args.get("msg", ""))
    resp = make_response("<pre>" + msg + "</pre>")
    resp.headers["Content-Type"] = "text/html"
    return resp
