import re

from fastapi import FastAPI, HTTPException

app = FastAPI()
PATTERNS = {"digits": r"\d+", "words": r"[A-Za-z]+"}


@app.get("/extract/{kind}")
def extract(kind: str, text: str):
    if kind not in PATTERNS:
        raise HTTPException(400)
    return re.findall(PATTERNS[kind], text)
