from fastapi import FastAPI, Response

app = FastAPI()
LANGS = {"en", "fr", "de"}


@app.get("/content")
def content(response: Response, lang: str = "en"):
    if lang not in LANGS:
        lang = "en"
    response.headers["Content-Language"] = lang
    return {"lang": lang}
