from fastapi import FastAPI

from .services import accounts

app = FastAPI()


@app.get("/users/{username}")
def read_user(username: str):
    return accounts.lookup(username)
