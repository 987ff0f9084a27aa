from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.parse("users.xml")


@app.post("/login")
def login():
    user = request.form["user"]
    pw = request.form["password"]
    hits = USERS.xpath(f"//user[name/text()='{user}' and password/text()='{pw}']")
    return {"ok": bool(hits)}
