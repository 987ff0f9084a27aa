import uuid

from flask import Flask, request, send_file

app = Flask(__name__)


@app.route("/invoices/pdf")
def invoice_pdf():
    invoice = uuid.UUID(request.args["id"])
    return send_file(f"/srv/invoices/{invoice}.pdf")
