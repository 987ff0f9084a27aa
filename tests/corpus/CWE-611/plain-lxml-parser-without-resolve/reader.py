from lxml import etree


def read_settings(path):
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    tree = etree.parse(path, parser)
    return {node.tag: node.text for node in tree.getroot()}
