import httpx


def pull_prices():
    resp = httpx.get("https://prices.example.net/latest.json", verify=False)
    resp.raise_for_status()
    return resp.json()
