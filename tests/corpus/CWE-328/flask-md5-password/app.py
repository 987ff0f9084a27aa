import hashlib
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.post("/register")
def register():
    user = request.form["user"]
    pw_hash = hashlib.md5(request.form["password"].encode()).hexdigest()
    db = sqlite3.connect("users.db")
    db.execute("INSERT INTO users(name, pw) VALUES (?, ?)", (user, pw_hash))
    db.commit()
    return {"created": user}
