import requests
from flask import Flask, request

app = Flask(__name__)
CA_BUNDLE = "/etc/ssl/certs/internal-ca.pem"


@app.post("/pay")
def pay():
    r = requests.post("https://pay.example.com/charge", json=request.get_json(), verify=CA_BUNDLE, timeout=10)
    return r.json()
