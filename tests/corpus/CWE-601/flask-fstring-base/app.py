from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/sso/return")
def sso_return():
    tenant = request.args["tenant"]
    return redirect(f"https://{tenant}/dashboard")
