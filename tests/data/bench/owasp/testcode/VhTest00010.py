import os

from flask import request, send_file


def download():
    filename = request.args["file"]
    path = os.path.join("/srv/uploads", filename)
    return send_file(path)
