import ldap
from flask import Flask, request
from ldap.filter import escape_filter_chars

app = Flask(__name__)


@app.route("/directory")
def directory():
    user = escape_filter_chars(request.args.get("user", ""))
    conn = ldap.initialize("ldap://ldap.example.org")
    results = conn.search_s("ou=people,dc=example,dc=org", ldap.SCOPE_SUBTREE, f"(uid={user})")
    return {"entries": [dn for dn, _ in results]}
