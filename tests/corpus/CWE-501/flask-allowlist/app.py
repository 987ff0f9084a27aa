import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
THEMES = ("light", "dark", "contrast")


@app.post("/theme")
def theme():
    choice = request.form.get("theme", "light")
    if choice not in THEMES:
        return {"error": "unknown theme"}, 400
    session["theme"] = choice
    return {"theme": choice}
