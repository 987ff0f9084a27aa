from lxml import etree

DOC = etree.parse("/srv/feed.xml")


def items_in(category):
    expr = "//item[category='{}']/title".format(category)
    return [t.text for t in DOC.xpath(expr)]
