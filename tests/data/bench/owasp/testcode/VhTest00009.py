from flask import request


def read_report():
    name = request.args.get("report", "")
    with open("/srv/reports/" + name) as handle:
        return handle.read()
