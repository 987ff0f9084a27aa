from fastapi import FastAPI
from lxml import etree

app = FastAPI()
DEFAULTS = b"<config><page-size>20</page-size></config>"


@app.get("/defaults")
def defaults(section: str = "page-size"):
    parser = etree.XMLParser(resolve_entities=True)
    root = etree.fromstring(DEFAULTS, parser)
    return {"value": root.findtext("page-size")}
