import requests
from flask import Flask

app = Flask(__name__)
MAPS_API_KEY = "sk_live_4f9a2c7e1b8d6a3f0e5c9b2d7a1f4e8c"


@app.route("/geocode")
def geocode():
    r = requests.get("https://maps.example.com/geocode", headers={"X-Api-Key": MAPS_API_KEY}, timeout=5)
    return r.json()
