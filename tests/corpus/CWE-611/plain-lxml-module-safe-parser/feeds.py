from lxml import etree

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def load_feed(document):
    """Parse an RSS document handed in by the caller."""
    root = etree.fromstring(document, parser=PARSER)
    return [item.findtext("title") for item in root.iter("item")]
