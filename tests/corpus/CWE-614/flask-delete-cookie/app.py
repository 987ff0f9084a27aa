from flask import Flask, make_response

app = Flask(__name__)


@app.post("/logout")
def logout():
    resp = make_response("bye")
    resp.delete_cookie("session")
    return resp
