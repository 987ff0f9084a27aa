from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/avatars/{user}/{image}")
def avatar(user: str, image: str):
    return FileResponse(f"/data/avatars/{user}/{image}")
