from fastapi import FastAPI, HTTPException

app = FastAPI()
REPORTS = ["daily", "weekly", "monthly"]


@app.get("/reports/{kind}")
def report(kind: str):
    if kind not in REPORTS:
        raise HTTPException(404)
    with open(f"/srv/reports/{kind}.csv") as fh:
        return {"csv": fh.read()}
