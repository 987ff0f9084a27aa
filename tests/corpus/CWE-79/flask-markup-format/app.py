from flask import Flask, render_template, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/notice")
def notice():
    title = request.args.get("title", "")
    banner = Markup("<strong>{}</strong>".format(title))
    return render_template("notice.html", banner=banner)
