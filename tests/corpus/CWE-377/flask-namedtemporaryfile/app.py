import tempfile

from flask import Flask, request

app = Flask(__name__)


@app.post("/stage")
def stage():
    with tempfile.NamedTemporaryFile(prefix="upload-", delete=False) as tmp:
        request.files["file"].save(tmp)
    return {"staged": True}
