from flask import Flask, request
from lxml import etree

app = Flask(__name__)
ROOT = etree.parse("/srv/config.xml").getroot()


def setting_expr(section, key):
    return "/config/%s/setting[@key='%s']/@value" % (section, key)


@app.route("/settings")
def settings():
    expr = setting_expr("public", request.args.get("key", ""))
    return {"value": ROOT.xpath(expr)}
