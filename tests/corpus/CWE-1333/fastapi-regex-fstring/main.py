import re

from fastapi import FastAPI

app = FastAPI()
SKUS = ["AB-100", "AB-200", "CD-300"]


@app.get("/skus")
def skus(prefix: str = ""):
    return [s for s in SKUS if re.match(f"^{prefix}-\\d+$", s)]
