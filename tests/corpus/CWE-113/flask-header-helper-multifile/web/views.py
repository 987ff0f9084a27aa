from flask import Flask, make_response, request

from web.httputil import tag_response

app = Flask(__name__)


@app.route("/track")
def track():
    resp = make_response("tracked")
    return tag_response(resp, request.cookies.get("campaign", ""))
