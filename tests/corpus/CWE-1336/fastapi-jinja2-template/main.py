from fastapi import FastAPI, Request
from jinja2 import Template

app = FastAPI()


@app.post("/emails/preview")
async def preview(request: Request):
    data = await request.json()
    body = Template(data["template"]).render(customer="Ada")
    return {"body": body}
