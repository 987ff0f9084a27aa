import ldap
from flask import Flask, request

app = Flask(__name__)
ATTRS = {"short": ["cn"], "full": ["cn", "mail", "telephoneNumber"]}


@app.route("/admins")
def admins():
    view = ATTRS.get(request.args.get("view", "short"), ["cn"])
    conn = ldap.initialize("ldap://ldap.example.org")
    res = conn.search_s("dc=example,dc=org", ldap.SCOPE_SUBTREE, "(memberOf=cn=admins,dc=example,dc=org)", view)
    return {"admins": [dn for dn, _ in res]}
