from xml.dom import pulldom
from xml.sax import make_parser
from xml.sax.handler import feature_external_ges

from flask import Flask, request

app = Flask(__name__)


@app.post("/feed")
def feed():
    sax = make_parser()
    sax.setFeature(feature_external_ges, True)
    events = pulldom.parseString(request.get_data(as_text=True), parser=sax)
    titles = []
    for event, node in events:
        if event == pulldom.START_ELEMENT and node.tagName == "title":
            events.expandNode(node)
            titles.append(node.toxml())
    return {"titles": titles}
