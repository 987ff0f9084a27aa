import ssl
import urllib.request


def fetch_status(url: str) -> int:
    ctx = ssl.create_default_context()
    with urllib.request.urlopen(url, context=ctx, timeout=5) as resp:
        return resp.status
