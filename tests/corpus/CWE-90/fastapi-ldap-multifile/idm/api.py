from fastapi import FastAPI

from . import directory

app = FastAPI()


@app.get("/groups/{group}/members")
def members(group: str):
    return directory.group_members(group)
