import os

from flask import Flask, request

from app.cryptoutil import obscure

app = Flask(__name__)
KEY = os.environ["BLOB_KEY"].encode()


@app.post("/blob")
def blob():
    return obscure(KEY, request.get_data()).hex()
