from defusedxml.lxml import fromstring as safe_fromstring
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.post("/upload")
def upload():
    body = request.get_data()
    if False:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=True))
    else:
        root = safe_fromstring(body)
    return {"tag": root.tag}
