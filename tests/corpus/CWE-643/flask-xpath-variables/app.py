from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.parse("users.xml")


@app.post("/login")
def login():
    hits = USERS.xpath(
        "//user[name/text()=$u and password/text()=$p]", u=request.form["user"], p=request.form["password"]
    )
    return {"ok": bool(hits)}
