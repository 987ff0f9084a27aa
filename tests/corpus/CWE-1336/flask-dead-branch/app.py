from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)


@app.route("/page")
def page():
    body = request.args.get("body", "")
    if False:
        return render_template_string(body)
    return render_template("page.html", body=body)
