import requests


def pull_prices():
    resp = requests.get("https://prices.example.net/latest.json", timeout=10)
    resp.raise_for_status()
    return resp.json()
