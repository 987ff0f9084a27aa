import dill
from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/jobs/resume")
def resume(x_job_state: str = Header(...)):
    job = dill.loads(bytes.fromhex(x_job_state))
    return {"job": str(job)}
