import sqlite3

from flask import request


def lookup_order():
    order_id = request.form["order"]
    conn = sqlite3.connect("app.db")
    query = f"SELECT total FROM orders WHERE id = {order_id}"
    return conn.execute(query).fetchone()
