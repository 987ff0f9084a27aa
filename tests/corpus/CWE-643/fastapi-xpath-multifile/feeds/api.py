from fastapi import FastAPI

from feeds.query import items_in

app = FastAPI()


@app.get("/feed/{category}")
def feed(category: str):
    return items_in(category)
