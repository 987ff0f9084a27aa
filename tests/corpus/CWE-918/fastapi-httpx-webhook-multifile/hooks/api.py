from fastapi import FastAPI
from pydantic import BaseModel

from hooks.notifier import ping_webhook

app = FastAPI()


class Hook(BaseModel):
    target: str
    event: str = "test"


@app.post("/webhooks/test")
async def test_hook(hook: Hook):
    return await ping_webhook(hook.target, hook.event)
