import subprocess

from flask import request


def ping_host_safely():
    host = request.args.get("host", "localhost")
    completed = subprocess.run(["ping", "-c", "1", host], capture_output=True, check=False)
    return completed.stdout.decode()
