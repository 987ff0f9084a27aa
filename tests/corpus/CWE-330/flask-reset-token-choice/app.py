import random
import string

from flask import Flask, request

app = Flask(__name__)


@app.post("/forgot")
def forgot():
    email = request.form["email"]
    token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"email": email, "queued": bool(token)}
