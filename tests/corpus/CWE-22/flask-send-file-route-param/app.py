from flask import Flask, send_file

app = Flask(__name__)


@app.route("/download/<path:filename>")
def download(filename):
    return send_file("/srv/files/" + filename)
