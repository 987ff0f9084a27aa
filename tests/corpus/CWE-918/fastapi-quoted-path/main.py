from urllib.parse import quote

import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/github/{user}")
async def github_user(user: str):
    async with httpx.AsyncClient() as client:
        r = await client.get("https://api.github.com/users/" + quote(user, safe=""))
    return r.json()
