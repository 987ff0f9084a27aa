from fastapi import FastAPI

app = FastAPI(title="inventory", debug=True)


@app.get("/health")
def health():
    return {"ok": True}
