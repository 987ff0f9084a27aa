from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("/srv/staff.xml")


@app.route("/staff")
def staff():
    wanted = request.args.get("name", "")
    people = TREE.xpath("//person")
    return {"phones": [p.findtext("phone") for p in people if p.findtext("name") == wanted]}
