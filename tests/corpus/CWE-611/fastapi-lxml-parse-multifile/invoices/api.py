from fastapi import FastAPI, Request

from .parsing import parse_invoice

app = FastAPI()


@app.post("/invoices")
async def upload_invoice(request: Request):
    raw = await request.body()
    return parse_invoice(raw)
