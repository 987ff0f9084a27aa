import os

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"])


@app.get("/locale")
def set_locale(request: Request):
    request.session["tenant"] = request.headers.get("x-tenant", "default")
    return {"tenant": request.session["tenant"]}
