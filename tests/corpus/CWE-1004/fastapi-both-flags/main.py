import uuid

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/session")
def new_session():
    resp = JSONResponse({"ok": True})
    resp.set_cookie("session_id", str(uuid.uuid4()), httponly=True, secure=True, samesite="strict")
    return resp
