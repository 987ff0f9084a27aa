import sqlite3

from flask import request


def count_rows():
    request.args.get("table", "")
    table = "orders"  # the parameter is ignored: a constant table name
    conn = sqlite3.connect("app.db")
    return conn.execute("SELECT COUNT(*) FROM " + table).fetchone()
