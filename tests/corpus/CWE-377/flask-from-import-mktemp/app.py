from tempfile import mktemp

from flask import Flask, request

app = Flask(__name__)


@app.post("/stage")
def stage():
    target = mktemp(prefix="upload-", dir="/tmp")
    request.files["file"].save(target)
    return {"staged": True}
