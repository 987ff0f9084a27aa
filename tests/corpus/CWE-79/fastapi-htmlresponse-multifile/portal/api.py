from fastapi import FastAPI

from portal import widgets

app = FastAPI()


@app.get("/banner")
def banner(msg: str = "Welcome"):
    return widgets.banner_response(msg)
