import httpx


async def ping_webhook(target, event):
    async with httpx.AsyncClient(timeout=3) as client:
        r = await client.post(target, json={"event": event})
    return {"status": r.status_code}
