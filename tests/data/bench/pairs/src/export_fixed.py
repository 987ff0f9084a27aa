import re
import subprocess

from flask import abort, request


def export_archive():
    name = request.args.get("name", "backup")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", name):
        abort(400)
    subprocess.call(["tar", "czf", f"/tmp/{name}.tgz", "/srv/data"])
    return "started"
