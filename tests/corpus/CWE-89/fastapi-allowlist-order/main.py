import sqlite3

from fastapi import FastAPI, HTTPException

app = FastAPI()
SORTABLE = {"name", "created_at", "price"}


@app.get("/items")
def list_items(sort: str = "name"):
    if sort not in SORTABLE:
        raise HTTPException(status_code=400, detail="bad sort column")
    conn = sqlite3.connect("items.db")
    return conn.execute(f"SELECT id, name FROM items ORDER BY {sort}").fetchall()
