from flask import Flask, request

from .validation import matches_rule

app = Flask(__name__)


@app.post("/fields/check")
def check():
    payload = request.get_json()
    return {"valid": matches_rule(payload["rule"], payload["value"])}
