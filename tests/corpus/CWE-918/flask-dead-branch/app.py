import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    url = request.args.get("url", "")
    if False:
        return requests.get(url, timeout=5).text
    return {"queued": url}
