import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


def get_db():
    return sqlite3.connect("shop.db")


@app.route("/products")
def products():
    category = request.args.get("category", "all")
    cur = get_db().cursor()
    cur.execute(f"SELECT id, name, price FROM products WHERE category = '{category}'")
    return jsonify(cur.fetchall())
