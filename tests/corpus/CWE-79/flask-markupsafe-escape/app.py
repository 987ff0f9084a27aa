from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/greet/<name>")
def greet(name):
    lang = request.args.get("lang", "en")
    return "<p>Hello " + escape(name) + " (" + escape(lang) + ")</p>"
