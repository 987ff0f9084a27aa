"""Database helpers for the shop. Some build SQL safely, some do not."""

import sqlite3

DB_PATH = "shop.sqlite3"
DB_PASSWORD = "hunter2-prod-db"  # VULN: CWE-798 hard-coded database password


def connect():
    return sqlite3.connect(DB_PATH)


def find_products(term):
    """Search products by name. The caller passes request data straight through."""
    conn = connect()
    cursor = conn.cursor()
    query = f"SELECT id, name, price FROM products WHERE name LIKE '%{term}%'"
    cursor.execute(query)  # VULN: CWE-89 SQL built with an f-string from views.search
    return cursor.fetchall()


def find_products_safe(term):
    conn = connect()
    cursor = conn.cursor()
    cursor.execute("SELECT id, name, price FROM products WHERE name LIKE ?", (f"%{term}%",))  # SAFE: parameterised
    return cursor.fetchall()


def get_order(order_id):
    conn = connect()
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM orders WHERE id = %s" % order_id)  # VULN: CWE-89 %-formatting from views.order
    return cursor.fetchone()


def get_order_safe(order_id):
    conn = connect()
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM orders WHERE id = %d" % int(order_id))  # SAFE: int() conversion
    return cursor.fetchone()


def list_recent(limit):
    conn = connect()
    cursor = conn.cursor()
    cursor.execute(f"SELECT * FROM orders ORDER BY id DESC LIMIT {int(limit)}")  # SAFE: int() conversion
    return cursor.fetchall()
