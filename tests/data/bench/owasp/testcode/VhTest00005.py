import os

from flask import request


def ping_host():
    host = request.args.get("host", "localhost")
    os.system("ping -c 1 " + host)
    return "sent"
