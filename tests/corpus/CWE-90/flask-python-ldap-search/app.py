import ldap
from flask import Flask, request

app = Flask(__name__)
BASE_DN = "ou=people,dc=example,dc=org"


@app.route("/directory")
def directory():
    user = request.args.get("user", "")
    conn = ldap.initialize("ldap://ldap.example.org")
    results = conn.search_s(BASE_DN, ldap.SCOPE_SUBTREE, f"(uid={user})", ["cn", "mail"])
    return {"entries": [dn for dn, _ in results]}
