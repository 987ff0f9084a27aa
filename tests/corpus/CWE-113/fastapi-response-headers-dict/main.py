from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/trace")
def trace(request_id: str = "none"):
    headers = {"X-Request-Id": request_id, "Cache-Control": "no-store"}
    return Response(content="traced", headers=headers)
