from fastapi import FastAPI

from app import store

api = FastAPI()


@api.get("/orders/{ref}")
def get_order(ref: str):
    return store.order_by_ref(ref)
