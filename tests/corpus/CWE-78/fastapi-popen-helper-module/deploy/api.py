from fastapi import FastAPI

from .gitops import checkout

app = FastAPI()


@app.post("/deploy/{branch}")
def deploy(branch: str):
    return {"log": checkout(branch)}
