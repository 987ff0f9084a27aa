import html
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.post("/comments/search")
def search_comments():
    term = html.escape(request.form["q"])
    conn = sqlite3.connect("blog.db")
    rows = conn.execute("SELECT body FROM comments WHERE body LIKE '%" + term + "%'").fetchall()
    return {"results": [r[0] for r in rows]}
