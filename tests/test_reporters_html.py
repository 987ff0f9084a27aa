"""HTML report: self-contained, grouped, filterable, and inert whatever the scanned text says.

The page is parsed with the standard library's HTML parser (as a browser tokenises it), so the
assertions are about elements and attributes, not about substrings that escaping could fake.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reporting_fixtures import (
    ALL_RESULTS,
    empty_result,
    hash_finding,
    model_finding,
    nothing_analysed_result,
    rich_result,
    scanned_result,
    sqli_finding,
)
from vulnhound.findings import CodeContext, FlowStep, Location, Suppression, SuppressionKind
from vulnhound.reporters import FORMATS, ReportOptions, render
from vulnhound.reporters.html import SCRIPT, STYLE
from vulnhound.result import ModelUsage, ScanResult
from vulnhound.sources import Skipped, SkipReason

VOID = {"meta", "link", "input", "br", "hr", "img", "wbr", "col", "source", "area", "base", "embed"}
# Every element the report may contain: anything else came from the scanned text.
ALLOWED_TAGS = {
    *("html", "head", "body", "meta", "link", "title", "style", "script", "noscript", "main", "header"),
    *("footer", "nav", "section", "article", "div", "span", "p", "a", "h1", "h2", "h3", "h4", "strong"),
    *("code", "pre", "ol", "ul", "li", "dl", "dt", "dd", "details", "summary", "table", "thead"),
    *("tbody", "tr", "th", "td", "fieldset", "legend", "label", "input", "button"),
}
ATTACK = (
    "</script><script>alert(1)</script>\"onmouseover=\"alert(2)' x='<img src=x onerror=alert(3)>"
    "<!-- --> ]]> &amp; \u2028 javascript:alert(4) <style>*{}</style>"
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parts: list[str | Node] = field(default_factory=list)  # text and child elements, in order

    @property
    def children(self) -> list[Node]:
        return [p for p in self.parts if isinstance(p, Node)]

    @property
    def text(self) -> str:
        """All text below, in document order."""
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str = "", cls: str = "", **attrs: str) -> list[Node]:
        return [n for n in self.iter() if n is not self and n.matches(tag, cls, attrs)]

    def find(self, tag: str = "", cls: str = "", **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'} class={cls!r} {attrs}>"
        return found[0]

    def matches(self, tag: str, cls: str, attrs: dict[str, str]) -> bool:
        return (
            (not tag or self.tag == tag)
            and (not cls or cls in self.attrs.get("class", "").split())
            and all(self.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        )

    @property
    def hidden(self) -> bool:
        return "hidden" in self.attrs


class Page(HTMLParser):
    """A tolerant element tree, as a browser's tokenizer sees the markup."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].parts.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse(markup: str) -> Node:
    return Page(markup).root


def page(result: ScanResult, **options: bool) -> tuple[str, Node]:
    out = render("html", result, ReportOptions(**options))
    return out, parse(out)


def hostile_result() -> ScanResult:
    """The attack string in every scanned field a reporter shows."""
    finding = replace(
        sqli_finding(),
        rule_id=ATTACK,
        cwe=(ATTACK, "CWE-89"),
        message=ATTACK,
        location=Location(f"dir/{ATTACK}.py", 42, 9),
        analyzers=(ATTACK,),
        flow=(
            FlowStep(Location(f"dir/{ATTACK}.py", 40, 1), ATTACK),
            FlowStep(Location(f"dir/{ATTACK}.py", 42, 9), ATTACK),
        ),
        context=ATTACK,
        snippet=ATTACK,
        properties=(("verification", ATTACK), ("verification_reason", ATTACK), (ATTACK, ATTACK)),
    )
    base = rich_result()
    return replace(
        base,
        root=ATTACK,
        tool_version=ATTACK,
        analyzers=(ATTACK,),
        findings=(finding, replace(finding, suppression=Suppression(SuppressionKind.INLINE, ATTACK))),
        skipped=(Skipped(ATTACK, SkipReason.POLICY, ATTACK, ATTACK),),
        unsupported_languages=((ATTACK, 2),),
        model_usage=(ModelUsage(ATTACK, requests=1),),
        notes=(ATTACK,),
        extras=(("agreement", {"models": [ATTACK, "b"], "matrix": [[1, 0], [0, 1]], "findings": 1}),),
    )


def test_registered_as_a_format() -> None:
    assert FORMATS["html"] == "vulnhound.reporters.html:render_html"
    out = render("html", rich_result())
    assert out.startswith("<!DOCTYPE html>\n") and out.endswith("</html>\n")


def test_hostile_text_stays_text() -> None:
    out, doc = page(hostile_result(), show_suppressed=True, show_unused_suppressions=True)
    tags = {n.tag for n in doc.iter()} - {"#document"}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    scripts = doc.find_all("script")
    assert len(scripts) == 1 and scripts[0].text == SCRIPT
    styles = doc.find_all("style")
    assert len(styles) == 1 and styles[0].text == STYLE
    for node in doc.iter():
        assert not any(name.startswith("on") for name in node.attrs), node.attrs
        assert not any(v.strip().lower().startswith("javascript:") for v in node.attrs.values())
    assert "<script>alert" not in out and "<img" not in out and "<!-- -->" not in out
    # The attack reads back as the same text where it was put (U+2028 shown as \x2028).
    shown = ATTACK.replace("\u2028", "\\x2028")
    assert doc.find("p", "message").text == shown
    assert doc.find("code", "rule").text == shown
    assert doc.find("h4", "file").find("code").text == f"dir/{shown}.py"
    assert [n.text for n in doc.find("ol", "flow").find_all("div", "note")] == [shown, shown]
    assert doc.find("span", "src").text == shown
    assert doc.find("span", "verify").text == shown
    assert doc.find("section", id="not-analysed").find("code").text == shown
    assert doc.find("section", id="notes").find("li").text == shown
    assert [c.text for c in doc.find("section", id="suppressed").find_all("td")][1:] == [
        shown,
        "inline",
        shown,
    ]
    assert doc.find("section", id="models").find("td").text == shown
    assert doc.find("section", "agreement").find("td").text == shown
    # Filter values are attributes the browser unescapes back into the same strings.
    article = doc.find("article", "finding")
    assert json.loads(article.attrs["data-cwe"]) == [shown, "CWE-89"]
    values = {box.attrs["value"] for box in doc.find("fieldset", data_facet="cwe").find_all("input")}
    assert shown in values
    # No class name is built from scanned text without being reduced to [a-z0-9-].
    assert all(re.fullmatch(r"[\w -]*", n.attrs.get("class", "")) for n in doc.iter())


def test_content_security_policy_pins_the_page_script_and_style() -> None:
    _, doc = page(rich_result())
    head = doc.find("head")
    assert head.find_all("meta")[0].attrs == {"charset": "utf-8"}
    csp = head.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["img-src"] == "data:"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["script-src"] == digest(doc.find("script").text)
    assert directives["style-src"] == digest(doc.find("style").text)
    assert "unsafe" not in csp
    # The policy comes before anything it governs.
    order = [n.tag for n in head.children]
    assert order.index("meta") < order.index("style") and not head.find_all("script")


@pytest.mark.parametrize("name", sorted(ALL_RESULTS))
def test_no_external_references(name: str) -> None:
    out, doc = page(ALL_RESULTS[name](), show_suppressed=True, show_unused_suppressions=True)
    _assert_self_contained(out, doc)


def test_no_external_references_in_a_real_scan(tmp_path: Path) -> None:
    out, doc = page(scanned_result(tmp_path))
    _assert_self_contained(out, doc)
    assert len(doc.find_all("article", "finding")) == 2


def _assert_self_contained(out: str, doc: Node) -> None:
    assert "http://" not in out and "https://" not in out
    for node in doc.iter():
        for name in ("src", "href", "action", "formaction", "srcset", "poster", "data", "background"):
            value = node.attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")) and "//" not in value, (node.tag, name, value)
    for text in (doc.find("style").text, doc.find("script").text):
        assert "url(" not in text and "@import" not in text and "//" not in text.replace("/* ", "")
        assert not re.search(r"\b(fetch|XMLHttpRequest|import\(|WebSocket|sendBeacon|src\s*=)", text)


def test_grouped_by_severity_then_by_file() -> None:
    result = rich_result()
    extra = [
        replace(hash_finding(5), location=Location("app/a.py", 5, 1)),
        replace(hash_finding(7), location=Location("app/a.py", 7, 1), fingerprint="7" * 32),
    ]
    _, doc = page(replace(result, findings=(*result.findings, *extra)))
    groups = doc.find_all("section", "severity-group")
    assert [g.attrs["data-severity"] for g in groups] == ["critical", "high", "medium", "info"]
    medium = groups[2]
    files = [
        (fg.find("h4", "file").find("code").text, len(fg.find_all("article", "finding")))
        for fg in medium.find_all("div", "file-group")
    ]
    assert files == [("app/a.py", 2), ("app/crypto.py", 1)]
    assert medium.find("h3").text == "medium 3 findings"
    lines = [a.find("code", "loc").text for a in medium.find_all("article", "finding")]
    assert lines == ["app/a.py:5:1", "app/a.py:7:1", "app/crypto.py:10:5"]
    # Suppressed findings are not among them; every active one is, once.
    ids = [a.attrs["id"] for a in doc.find_all("article", "finding")]
    assert ids == [f"finding-{n}" for n in range(1, 7)]


def test_a_finding_shows_rule_cwe_message_severity_confidence_context_analyzer() -> None:
    test_code = replace(
        hash_finding(3), location=Location("tests/test_x.py", 3, 1), code_context=CodeContext.TEST
    )
    verified = replace(
        model_finding(),
        properties=(
            ("verification", "verified"),
            ("verification_reason", "the engine finds a flow into line 3"),
            ("explanation", "name comes from the URL"),
        ),
    )
    result = replace(rich_result(), findings=(sqli_finding(), verified, test_code))
    _, doc = page(result)
    sqli, model, test = doc.find_all("article", "finding")
    head = sqli.find("div", "finding-head")
    assert head.find("span", "badge").text == "critical"
    assert head.find("code", "rule").text == "py/sql-injection"
    assert [c.text for c in head.find_all("span", "cwe")] == ["CWE-89", "CWE-943"]
    assert head.find("span", "tag").text == "in production code"
    assert head.find("code", "loc").text == "app/views.py:42:9"
    assert sqli.find("p", "message").text == "Request parameter 'q' reaches cursor.execute."
    facts = {d.find("dt").text: d.find("dd").text for d in sqli.find("dl", "facts").children}
    assert facts == {"Confidence": "high", "Analyzer": "taint"}
    assert sqli.find("p", "triage").text.startswith("Triage: true positive (0.90 by glm, qwen)")
    model_facts = {d.find("dt").text: d.find("dd").text for d in model.find("dl", "facts").children}
    assert model_facts["Verification"] == "verified the engine finds a flow into line 3"
    assert model.find("span", "verify").attrs["class"] == "verify v-verified"
    assert model.find("p", "explanation").text == "name comes from the URL"
    assert test.find("span", "tag").text == "in test code"
    assert "ctx-test" in test.find("span", "tag").attrs["class"]
    assert sqli.find("details", "more").find("code").text == "f" * 32 + ":0"


def test_flow_steps_numbered_with_source_sink_and_code() -> None:
    _, doc = page(replace(rich_result(), findings=(sqli_finding(),)))
    flow = doc.find("ol", "flow")
    steps = flow.find_all("li", "step")
    assert [s.attrs["data-step"] for s in steps] == ["1", "2", "3"]
    assert [s.attrs["class"] for s in steps] == ["step source", "step step", "step sink"]
    assert [s.find("span", "num").text for s in steps] == ["1", "2", "3"]
    assert [s.find("code", "loc").text for s in steps] == [
        "app/views.py:38:9",
        "app/util.py:7:5",
        "app/views.py:42:9",
    ]
    assert [s.find("div", "note").text for s in steps] == [
        "request.args.get('q')",
        "formatted into sql",
        "cursor.execute(sql)",
    ]
    assert steps[0].find("span", "role").text == "source" and steps[2].find("span", "role").text == "sink"
    assert not steps[1].find_all("span", "role")
    # The reported line is shown once, inside the step that reaches it, highlighted.
    code = doc.find_all("pre", "code")
    assert len(code) == 1 and steps[2].find_all("pre", "code") == code
    line = code[0].find("span", "line")
    assert "hl" in line.attrs["class"].split()
    assert line.find("span", "ln").text == "42" and line.find("span", "src").text == "cursor.execute(sql)"


def test_every_step_shows_its_line_with_the_expression_marked_and_escaped() -> None:
    hostile = "    x = request.args.get('q') + '</pre><script>alert(1)</script>'"
    result = replace(
        rich_result(),
        findings=(sqli_finding(),),
        flow_lines=(("app/views.py", 38, hostile), ("app/util.py", 7, "    return f(x)")),
    )
    text, doc = page(result)
    assert "<script>alert" not in text
    steps = doc.find("ol", "flow").find_all("li", "step")
    source = steps[0].find("pre", "code")
    assert source.find("span", "ln").text == "38"
    assert source.find("span", "src").text == hostile  # text, not markup
    assert source.find("mark").text == "request.args.get('q')"  # columns 9 to 30
    assert steps[1].find("mark").text.startswith("return")
    assert len(steps[2].find_all("pre", "code")) == 1  # the sink keeps the reported line


def test_step_notes_do_not_repeat_the_role() -> None:
    finding = replace(
        sqli_finding(),
        flow=(
            FlowStep(Location("app/views.py", 38, 9), "source: request.args"),
            FlowStep(Location("app/views.py", 42, 9), "sink: cursor.execute (SQL query)"),
        ),
    )
    _, doc = page(replace(rich_result(), findings=(finding,)))
    notes = [n.text for n in doc.find_all("div", "note")]
    assert notes == ["request.args", "cursor.execute (SQL query)"]


def test_code_without_a_flow_has_line_numbers() -> None:
    _, doc = page(replace(rich_result(), findings=(model_finding(),)))
    lines = doc.find("pre", "code").find_all("span", "line")
    assert [(ln.find("span", "ln").text, ln.find("span", "src").text) for ln in lines] == [
        ("3", "open(base + name)"),
        ("4", "    .read()"),
    ]


def test_filters_for_severity_cwe_context_and_analyzer() -> None:
    test_code = replace(
        hash_finding(3), location=Location("tests/test_x.py", 3, 1), code_context=CodeContext.TEST
    )
    result = rich_result()
    out, doc = page(replace(result, findings=(*result.findings, test_code)))
    panel = doc.find("div", id="filters")
    assert panel.hidden  # shown by the script: without JavaScript there is nothing to hide
    facets = {
        fs.attrs["data-facet"]: [
            (box.attrs["value"], box.attrs["name"], "checked" in box.attrs) for box in fs.find_all("input")
        ]
        for fs in panel.find_all("fieldset")
    }
    assert [v for v, _, _ in facets["severity"]] == ["critical", "high", "medium", "info"]
    assert [v for v, _, _ in facets["cwe"]] == ["CWE-22", "CWE-89", "CWE-327", "CWE-328", "CWE-943", "none"]
    assert [v for v, _, _ in facets["context"]] == ["production", "test"]
    assert [v for v, _, _ in facets["analyzer"]] == ["model:glm", "patterns", "taint"]
    assert all(name == facet and checked for facet, boxes in facets.items() for _, name, checked in boxes)
    labels = [lab.text for lab in panel.find("fieldset", data_facet="context").find_all("label")]
    assert labels == [" Production code 4", " Test code 1"]
    articles = doc.find_all("article", "finding")
    assert not any(a.hidden for a in articles)
    data = {
        a.find("code", "rule").text: {k: json.loads(a.attrs[f"data-{k}"]) for k in facets} for a in articles
    }
    assert data["py/sql-injection"] == {
        "severity": ["critical"],
        "cwe": ["CWE-89", "CWE-943"],
        "context": ["production"],
        "analyzer": ["taint"],
    }
    assert data["py/long"]["cwe"] == ["none"]
    assert doc.find("strong", id="shown-count").text == "5"
    assert "<noscript>" in out
    assert doc.find("button", id="show-all").attrs["type"] == "button"


def test_not_analysed_section() -> None:
    _, doc = page(rich_result())
    section = doc.find("section", id="not-analysed")
    assert section.find("h2").text == "Not analysed (4 files)"
    groups = {
        d.find("span", "reason").text: [
            [c.text for c in row.find_all("td")] for row in d.find("tbody").children
        ]
        for d in section.find_all("details", "skipped")
    }
    assert list(groups) == ["binary", "policy", "syntax-error", "too-large"]
    assert groups["syntax-error"] == [["broken.py", "line 3: invalid syntax", "taint"]]
    assert groups["policy"] == [["app/views.py", "unit search: policy refused", "model:glm"]]
    assert groups["binary"] == [["data/blob.py", "NUL byte at offset 12", "\u2014"]]
    assert all("open" in d.attrs for d in section.find_all("details"))
    assert section.find("p", "unsupported").text.endswith("go (1 file), javascript (3 files)")
    assert doc.find("dd", id="stat-files-not-analysed").text == "4"
    assert "Not analysed" in doc.find("nav", "jump").text


def test_nothing_analysed_never_reads_clean() -> None:
    _, doc = page(nothing_analysed_result())
    banner = doc.find("p", "banner")
    assert banner.attrs["class"] == "banner bad"
    assert banner.text.startswith("Nothing was analysed.") and "not a clean result" in banner.text
    assert doc.find("title").text == "vulnhound report: nothing was analysed"
    assert len(doc.find("section", id="not-analysed").find_all("tr")) == 4  # two reasons, header + row each


def test_empty_result_reads_clean() -> None:
    _, doc = page(empty_result())
    assert doc.find("p", "banner").attrs["class"] == "banner good"
    assert doc.find("p", "banner").text == "No findings in 3 files."
    assert not doc.find_all("div", id="filters") and not doc.find_all("section", id="not-analysed")
    assert not doc.find_all("section", id="models")


def test_model_usage_and_egress() -> None:
    result = rich_result()
    usage = (replace(result.model_usage[1], bytes_sent=45678), result.model_usage[0])
    _, doc = page(replace(result, model_usage=usage))
    section = doc.find("section", id="models")
    rows = [[c.text for c in row.find_all("td")] for row in section.find("tbody").children]
    assert rows == [
        ["glm", "10", "0", "1", "12,345", "678", "45,678", "0.0123"],
        ["qwen", "3", "1", "0", "900", "120", "0", "0.0000"],
    ]
    headers = [th.text for th in section.find_all("th")]
    assert "Bytes sent" in headers and "Cost (USD)" in headers
    assert (
        section.find("p", "egress").text
        == "13 requests to 2 models; 45,678 bytes of request bodies left through the guard."
    )


def test_notes_suppressed_count_and_lists() -> None:
    _, doc = page(rich_result())
    assert doc.find("dd", id="stat-suppressed").text == "3"
    assert doc.find("dd", id="stat-matched-baseline").text == "2"
    assert doc.find("section", id="notes").find("li").text == "model glm did not analyse 3 units: policy"
    assert not doc.find_all("section", id="suppressed") and not doc.find_all(
        "section", id="unused-suppressions"
    )
    _, doc = page(rich_result(), show_suppressed=True, show_unused_suppressions=True)
    rows = [
        [c.text for c in r.find_all("td")]
        for r in doc.find("section", id="suppressed").find("tbody").children
    ]
    assert rows[0] == ["app/crypto.py:20", "py/weak-hash", "inline", "legacy checksum, not security"]
    assert len(rows) == 3
    assert doc.find("section", id="unused-suppressions").find("td").text == "app/old.py:5"


def test_summary_counts() -> None:
    _, doc = page(rich_result())
    cards = {c.find("span", "label").text: c.find("span", "n").text for c in doc.find_all("div", "card")}
    assert cards == {"Critical": "1", "High": "1", "Medium": "1", "Low": "0", "Info": "1", "Total": "4"}
    assert doc.find("dd", id="stat-files-analysed").text == "12"
    assert doc.find("dd", id="stat-lines-analysed").text == "3,456"
    assert doc.find("dd", id="stat-production-code").text == "4"


def test_model_agreement_table() -> None:
    result = replace(
        rich_result(),
        extras=(
            (
                "agreement",
                {"models": ["glm", "qwen"], "matrix": [[3, 2], [2, 4]], "findings": 5, "threshold": 2},
            ),
        ),
    )
    _, doc = page(result)
    section = doc.find("section", "agreement")
    assert section.find("h2").text == "Model agreement (a finding stands when 2 agree)"
    rows = [[c.text for c in r.find_all("td")] for r in section.find("tbody").children]
    assert rows == [["glm", "3", "2"], ["qwen", "2", "4"]]
