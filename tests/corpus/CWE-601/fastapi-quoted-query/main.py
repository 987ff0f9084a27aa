from urllib.parse import quote_plus

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/go-search")
def go_search(term: str):
    return RedirectResponse("/search?q=" + quote_plus(term))
