import subprocess

from fastapi import FastAPI, HTTPException

app = FastAPI()
SERVICES = ("nginx", "redis", "postgresql")


@app.post("/restart/{service}")
def restart(service: str):
    if service not in SERVICES:
        raise HTTPException(404)
    subprocess.run(f"systemctl restart {service}", shell=True, check=True)
    return {"restarted": service}
