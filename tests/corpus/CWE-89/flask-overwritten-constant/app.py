import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/admin/audit")
def audit():
    actor = request.args.get("actor", "")
    if not actor:
        return {"error": "actor required"}, 400
    actor = "system"
    conn = sqlite3.connect("audit.db")
    rows = conn.execute("SELECT at, action FROM audit WHERE actor = '%s'" % actor).fetchall()
    return {"rows": rows}
