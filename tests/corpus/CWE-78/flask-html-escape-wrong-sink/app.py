import html
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/tools/whois")
def whois():
    domain = html.escape(request.form["domain"])
    out = subprocess.check_output(f"whois {domain}", shell=True)
    return out.decode()
