import os
import subprocess
import tempfile

from fastapi import FastAPI

app = FastAPI()


@app.post("/thumbnails")
def thumbnails():
    outdir = tempfile.mkdtemp(prefix="thumbs-")
    out = os.path.join(outdir, "thumb.png")
    subprocess.run(["convert", "/srv/input.jpg", "-resize", "128x128", out], check=True)
    return {"path": out}
