from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/echo")
def echo(msg: str = ""):
    return JSONResponse({"echo": msg, "length": len(msg)})
