import sqlite3

_CONN = sqlite3.connect("users.db", check_same_thread=False)


def find_user(name):
    sql = "SELECT id, email FROM users WHERE name = '{}'".format(name)
    return _CONN.execute(sql).fetchone()
