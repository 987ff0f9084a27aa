import ldap
from fastapi import FastAPI

app = FastAPI()


@app.get("/employees/{number}")
def employee(number: int):
    conn = ldap.initialize("ldap://ldap.internal")
    flt = f"(employeeNumber={int(number)})"
    return conn.search_s("ou=staff,dc=internal", ldap.SCOPE_SUBTREE, flt, ["cn"])
