import logging
import os

from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)
DISK = "/var/lib/app"


@app.route("/diag/disk")
def disk():
    log.info("disk check requested by %s", request.remote_addr)
    out = os.popen("df -h " + DISK).read()
    return {"df": out}
