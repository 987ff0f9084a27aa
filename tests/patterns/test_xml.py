"""XML parser rules (issue 10 item 3): unsafe parser configuration, lxml's default parser, huge trees.

Each snippet marks the lines that must be reported with ``# <rule id>`` and leaves safe
(fixed) variants unmarked: the expected hits are read from the annotations, so a rule that
stops reporting a vulnerable line, or starts reporting a safe one, fails the test.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from tests.patterns.helpers import analyze, hits

from vulnhound.analyzers.patterns import compile_rules
from vulnhound.errors import RuleError
from vulnhound.rules.catalog import load_rule_file

XML_RULES = ("py/xml-parser-unsafe-config", "py/xml-default-parser", "py/xml-huge-tree")
_MARK = re.compile(r"py/[\w-]+")


def expected(code: str) -> list[tuple[str, int]]:
    """(rule id, line) for every ``# py/...`` annotation, in line order."""
    found = []
    for number, line in enumerate(textwrap.dedent(code).splitlines(), start=1):
        comment = line.partition("#")[2]
        found.extend((rule, number) for rule in _MARK.findall(comment))
    return sorted(found, key=lambda h: (h[1], h[0]))


def xml_hits(code: str) -> list[tuple[str, int]]:
    return sorted((h for h in hits(code) if h[0] in XML_RULES), key=lambda h: (h[1], h[0]))


CONFIG = """
    from lxml import etree, objectify
    from lxml.etree import XMLParser
    import xml.sax
    from xml.sax import handler, make_parser
    from xml.sax.handler import feature_external_ges, feature_external_pes

    def lxml_parsers(data):
        etree.XMLParser(resolve_entities=True)  # py/xml-parser-unsafe-config
        XMLParser(load_dtd=True)  # py/xml-parser-unsafe-config
        etree.XMLParser(dtd_validation=True, no_network=True)  # py/xml-parser-unsafe-config
        etree.XMLParser(no_network=False, resolve_entities=False)  # py/xml-parser-unsafe-config
        etree.XMLPullParser(resolve_entities=True)  # py/xml-parser-unsafe-config
        objectify.makeparser(load_dtd=True)  # py/xml-parser-unsafe-config
        etree.XMLParser(huge_tree=True)  # py/xml-huge-tree
        etree.HTMLParser(huge_tree=True)  # py/xml-huge-tree
        # fixed variants
        etree.XMLParser(resolve_entities=False)
        etree.XMLParser(resolve_entities="internal", no_network=True)
        etree.XMLParser(load_dtd=True, resolve_entities=False)
        etree.XMLParser(dtd_validation=True, resolve_entities=False)
        etree.XMLParser(no_network=True, load_dtd=False, huge_tree=False)
        etree.XMLParser(remove_blank_text=True)
        etree.XMLParser(resolve_entities=options.resolve)

    def sax_parsers(stream):
        p = make_parser()
        p.setFeature(feature_external_ges, True)  # py/xml-parser-unsafe-config
        p.setFeature(handler.feature_external_pes, 1)  # py/xml-parser-unsafe-config
        p.setFeature(xml.sax.handler.feature_external_ges, True)  # py/xml-parser-unsafe-config
        p.setFeature("http://xml.org/sax/features/external-parameter-entities", True)  # py/xml-parser-unsafe-config
        # fixed variants
        p.setFeature(feature_external_ges, False)
        p.setFeature(feature_external_pes, 0)
        p.setFeature(handler.feature_namespaces, True)
        p.parse(stream)
"""


def test_unsafe_parser_configurations_are_reported() -> None:
    assert xml_hits(CONFIG) == expected(CONFIG)
    assert len(expected(CONFIG)) == 12


def test_a_resolving_parser_used_only_on_literal_documents_is_not_reported() -> None:
    code = """
        from lxml import etree

        DEFAULTS = b"<config><size>20</size></config>"
        SHARED = etree.XMLParser(resolve_entities=True)  # py/xml-parser-unsafe-config

        def defaults():
            parser = etree.XMLParser(resolve_entities=True)
            return etree.fromstring(DEFAULTS, parser)

        def bundled():
            return etree.parse("schema/base.xsd", etree.XMLParser(load_dtd=True))

        def inline_user(data):
            return etree.fromstring(data, etree.XMLParser(resolve_entities=True))  # py/xml-parser-unsafe-config py/xml-default-parser

        def mixed(data):
            parser = etree.XMLParser(resolve_entities=True)  # py/xml-parser-unsafe-config
            etree.fromstring(DEFAULTS, parser)
            return etree.fromstring(data, parser)  # py/xml-default-parser

        def handed_out():
            parser = etree.XMLParser(huge_tree=True)  # py/xml-huge-tree
            return parser

        def shared(data):
            return etree.fromstring(data, SHARED)  # py/xml-default-parser
    """
    assert xml_hits(code) == expected(code)


DEFAULT_PARSER = """
    import lxml.etree
    from lxml import etree, objectify
    from lxml.etree import fromstring as parse_xml
    import defusedxml.lxml
    from defusedxml.lxml import fromstring as safe_fromstring
    import xml.etree.ElementTree as ET

    SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
    TEMPLATE = b"<root/>"

    def vulnerable(data, path, chunks):
        etree.fromstring(data)  # py/xml-default-parser
        lxml.etree.XML(data)  # py/xml-default-parser
        parse_xml(data)  # py/xml-default-parser
        etree.parse(path)  # py/xml-default-parser
        etree.fromstringlist(chunks)  # py/xml-default-parser
        etree.iterparse(path, events=("end",))  # py/xml-default-parser
        objectify.fromstring(data)  # py/xml-default-parser
        objectify.parse(path)  # py/xml-default-parser
        parser = etree.XMLParser(remove_blank_text=True)
        etree.fromstring(data, parser=parser)  # py/xml-default-parser
        etree.fromstring(data, etree.XMLParser())  # py/xml-default-parser

    def fixed(data, path, parser, chunks):
        etree.fromstring(data, SAFE)
        etree.fromstring(data, parser=SAFE)
        etree.parse(path, etree.XMLParser(resolve_entities=False))
        etree.fromstringlist(chunks, parser=SAFE)
        etree.iterparse(path, resolve_entities=False)
        local = etree.XMLParser(resolve_entities=False)
        objectify.fromstring(data, local)
        etree.fromstring(data, parser)
        etree.fromstring(data, etree.HTMLParser())
        etree.fromstring(data, **options)
        etree.fromstring(TEMPLATE)
        etree.XML("<a/>")
        defusedxml.lxml.fromstring(data)
        safe_fromstring(data)
        ET.fromstring(data)
        ET.parse(path)
        schema = etree.XMLSchema(etree.parse(path))
        transform = etree.XSLT(etree.parse(path))
        etree.RelaxNG(etree.parse(path))
        etree.fromstring(data, parser=None)  # py/xml-default-parser
        etree.fromstring(data, None)  # py/xml-default-parser
"""


def test_lxml_default_parser_on_non_constant_data() -> None:
    assert xml_hits(DEFAULT_PARSER) == expected(DEFAULT_PARSER)
    assert len(expected(DEFAULT_PARSER)) == 12


def test_stdlib_elementtree_minidom_and_sax_defaults_are_not_reported() -> None:
    code = """
        import xml.etree.ElementTree as ET
        from xml.dom import minidom, pulldom
        import xml.sax

        def parse(data, stream):
            ET.fromstring(data)
            ET.XMLParser()
            minidom.parseString(data)
            pulldom.parseString(data)
            xml.sax.parseString(data, handler)
            xml.sax.make_parser().parse(stream)
    """
    assert xml_hits(code) == []


def test_findings_carry_their_cwe_and_confidence() -> None:
    code = """
        from lxml import etree
        etree.XMLParser(huge_tree=True, resolve_entities=True)
        etree.fromstring(data)
    """
    found = {f.rule_id: f for f in analyze(code)}
    assert found["py/xml-parser-unsafe-config"].cwe == ("CWE-611",)
    assert found["py/xml-huge-tree"].cwe == ("CWE-776",)
    default = found["py/xml-default-parser"]
    assert default.cwe == ("CWE-611",) and default.confidence.value == "medium"
    assert default.location.start_line == 4


def test_dead_branch_and_module_parser_rebound() -> None:
    code = """
        from lxml import etree

        def f(data):
            if False:
                etree.fromstring(data)
            parser = etree.XMLParser(resolve_entities=False)
            if data.startswith(b"<!"):
                parser = etree.XMLParser()
            return etree.fromstring(data, parser)  # py/xml-default-parser
    """
    assert xml_hits(code) == expected(code)


HEAD = """
[[rule]]
id = "x/test"
analyzer = "patterns"
cwe = ["CWE-611"]
severity = "low"
short_description = "test"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("keyword_absent_or_made_by = { parser = 1 }\n", "need a non-empty 'calls' list"),
        ("keyword_absent_or_made_by = { parser = { calls = [] } }\n", "need a non-empty 'calls' list"),
        (
            "keyword_absent_or_made_by = { parser = { calls = ['a'], when = 1 } }\n",
            "unknown key(s) when",
        ),
    ],
)
def test_bad_made_by_tables_are_named(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=r"user\.toml: rule 'x/test'") as info:
        compile_rules(load_rule_file("user.toml", HEAD + "[[rule.match]]\ncalls = ['f']\n" + text))
    assert message in str(info.value)
