from urllib.parse import quote

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/download")
def download():
    name = quote(request.args.get("name", "report.pdf"))
    resp = make_response(b"%PDF-1.4")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return resp
