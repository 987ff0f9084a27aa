import subprocess

from flask import request


def export_archive():
    name = request.args.get("name", "backup")
    subprocess.call("tar czf /tmp/" + name + ".tgz /srv/data", shell=True)
    return "started"
