from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/api/echo")
def echo():
    resp = jsonify({"echo": request.args.get("msg", "")})
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store"
    return resp
