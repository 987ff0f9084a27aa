import os

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"])


@app.get("/visit")
def visit(request: Request):
    ref = request.headers.get("referer", "")
    if False:
        request.session["ref"] = ref
    request.session["visits"] = request.session.get("visits", 0) + 1
    return {"visits": request.session["visits"]}
