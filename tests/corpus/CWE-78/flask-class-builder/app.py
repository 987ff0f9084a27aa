import subprocess

from flask import Flask, request

app = Flask(__name__)


class BackupJob:
    def __init__(self, label):
        self.label = label

    def command(self):
        return " ".join(["tar", "czf", f"/backups/{self.label}.tgz", "/var/data"])


@app.post("/backup")
def backup():
    job = BackupJob(request.json["label"])
    code = subprocess.call(job.command(), shell=True)
    return {"exit": code}
