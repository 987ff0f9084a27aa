from flask import Flask, request

from webapp.codec import load_widget

app = Flask(__name__)


@app.post("/widgets/import")
def import_widget():
    widget = load_widget(request.form["payload"])
    return {"name": widget.name}
