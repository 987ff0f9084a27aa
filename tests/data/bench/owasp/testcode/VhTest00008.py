import os

from flask import request


def uptime():
    request.args.get("verbose")
    os.system("uptime")
    return "ok"
