import sqlite3

from flask import request


def lookup_user_safely():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    return conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchall()
