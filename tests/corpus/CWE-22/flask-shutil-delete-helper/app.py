import shutil

from flask import Flask, request

app = Flask(__name__)


def workspace_dir(project):
    return "/tmp/workspaces/%s" % project


@app.delete("/workspaces")
def delete_workspace():
    target = workspace_dir(request.get_json()["project"])
    shutil.rmtree(target)
    return "", 204
