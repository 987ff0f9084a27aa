from flask import Flask, request
from ldap3 import Connection

app = Flask(__name__)


class FilterBuilder:
    def __init__(self):
        self.parts = []

    def eq(self, attr, value):
        self.parts.append(f"({attr}={value})")
        return self

    def build(self):
        return "(&" + "".join(self.parts) + ")"


@app.route("/people")
def people():
    fb = FilterBuilder().eq("objectClass", "person").eq("departmentNumber", request.args["dept"])
    conn = Connection("ldap://ldap.example.org", auto_bind=True)
    conn.search("dc=example,dc=org", fb.build(), attributes=["cn"])
    return {"count": len(conn.entries)}
