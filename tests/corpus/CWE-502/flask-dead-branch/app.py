import json
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.post("/cart")
def cart():
    raw = request.get_data()
    if False:
        items = pickle.loads(raw)
    else:
        items = json.loads(raw)
    return {"count": len(items)}
