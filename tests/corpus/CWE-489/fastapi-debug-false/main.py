from fastapi import FastAPI

app = FastAPI(title="inventory", debug=False)


@app.get("/health")
def health():
    return {"ok": True}
