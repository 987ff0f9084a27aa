import os

from flask import abort, request

BASE = "/srv/reports"


def read_report_safely():
    name = os.path.basename(request.args.get("report", ""))
    path = os.path.realpath(os.path.join(BASE, name))
    if not path.startswith(BASE + os.sep):
        abort(400)
    with open(path) as handle:
        return handle.read()
