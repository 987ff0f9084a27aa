from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.post("/import")
def import_xml():
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    doc = etree.fromstring(request.data, parser)
    return {"root": doc.tag}
