import requests
from flask import Flask, request

app = Flask(__name__)
API = "https://api.weather.example.com/v1/forecast"


@app.route("/weather")
def weather():
    city = request.args.get("city", "Paris")
    r = requests.get(API, params={"city": city}, timeout=5)
    return r.json()
