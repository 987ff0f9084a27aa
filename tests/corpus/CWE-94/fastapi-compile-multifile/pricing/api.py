from fastapi import FastAPI, Request

from pricing.rules import apply_rule

app = FastAPI()


@app.post("/quote")
async def quote(request: Request):
    payload = await request.json()
    return {"price": apply_rule(payload["formula"], payload.get("base", 10))}
