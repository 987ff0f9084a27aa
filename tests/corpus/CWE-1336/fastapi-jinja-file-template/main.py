from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape

app = FastAPI()
env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())


@app.get("/invoice/{number}")
def invoice(number: str):
    return {"html": env.get_template("invoice.html").render(number=number)}
