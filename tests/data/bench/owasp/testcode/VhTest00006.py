import subprocess

from flask import request


def list_directory():
    folder = request.values.get("dir", ".")
    output = subprocess.check_output("ls -l " + folder, shell=True)
    return output.decode()
