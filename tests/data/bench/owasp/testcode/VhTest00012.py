from flask import request

REPORTS = {"daily": "/srv/reports/daily.txt", "weekly": "/srv/reports/weekly.txt"}


def read_known_report():
    key = request.args.get("report", "daily")
    path = REPORTS.get(key, REPORTS["daily"])
    with open(path) as handle:
        return handle.read()
