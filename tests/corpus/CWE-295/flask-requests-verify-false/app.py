import requests
from flask import Flask, request

app = Flask(__name__)


@app.post("/pay")
def pay():
    r = requests.post("https://pay.example.com/charge", json=request.get_json(), verify=False, timeout=10)
    return r.json()
