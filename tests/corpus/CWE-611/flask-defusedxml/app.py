from defusedxml import ElementTree
from flask import Flask, request

app = Flask(__name__)


@app.post("/import")
def import_xml():
    doc = ElementTree.fromstring(request.data)
    return {"root": doc.tag}
