from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite:///inventory.db")


@app.route("/export")
def export():
    columns = [c.lower() for c in request.args.getlist("col")]
    stmt = text("SELECT " + ", ".join(columns) + " FROM items")
    with engine.connect() as conn:
        return jsonify([list(r) for r in conn.execute(stmt)])
