import sqlite3

from fastapi import FastAPI

app = FastAPI()


def build_where(field, value):
    return f"WHERE {field} = '{value}'"


def run_query(where):
    conn = sqlite3.connect("crm.db")
    return conn.execute("SELECT * FROM contacts " + where).fetchall()


@app.get("/contacts")
def contacts(city: str = ""):
    clause = build_where("city", city)
    return run_query(clause)
