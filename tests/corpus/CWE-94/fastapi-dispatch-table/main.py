import operator

from fastapi import FastAPI, HTTPException

app = FastAPI()
OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


@app.get("/calc/{op}")
def calc(op: str, a: float, b: float):
    func = OPS.get(op)
    if func is None:
        raise HTTPException(400)
    return {"result": func(a, b)}
