from lxml import etree

PARSER = etree.XMLParser(resolve_entities=True)


def parse_invoice(raw):
    root = etree.fromstring(raw, parser=PARSER)
    return {"total": root.findtext("total")}
