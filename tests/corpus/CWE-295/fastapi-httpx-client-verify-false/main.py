import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/upstream")
async def upstream():
    async with httpx.AsyncClient(verify=False, timeout=5) as client:
        r = await client.get("https://inventory.internal/api/health")
    return {"status": r.status_code}
