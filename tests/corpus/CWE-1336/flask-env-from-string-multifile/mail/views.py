from flask import Flask, request

from mail.mailer import render_subject

app = Flask(__name__)


@app.post("/campaigns")
def campaign():
    subject = render_subject(request.form["subject"], {"first_name": "Ada"})
    return {"subject": subject}
