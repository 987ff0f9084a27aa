import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/proxy/status")
def proxy_status():
    backend = request.headers.get("X-Backend", "status.internal")
    r = requests.get(f"http://{backend}/health", timeout=2)
    return r.text
