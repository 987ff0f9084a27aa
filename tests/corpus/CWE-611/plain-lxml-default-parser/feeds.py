from lxml import etree


def load_feed(document):
    """Parse an RSS document handed in by the caller."""
    root = etree.fromstring(document)
    return [item.findtext("title") for item in root.iter("item")]
