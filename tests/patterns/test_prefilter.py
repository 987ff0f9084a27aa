"""The word prefilter skips files no rule can match, and never one that a rule does match."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, catalog, hits

from vulnhound.analyzers.interface import AnalysisContext
from vulnhound.analyzers.patterns import PatternAnalyzer
from vulnhound.config import Config
from vulnhound.rules.catalog import RuleCatalog, load_rule_file
from vulnhound.sources import SkipReason, SourceFile


@pytest.mark.parametrize(
    "code",
    [
        "from hashlib import md5 as h\nh(b'x')\n",  # the callee's words are in the import
        "import hashlib as hl\nhl.md5(b'x')\n",
        "import hashlib\nhashlib.\\\n    md5(b'x')\n",  # a line continuation inside the callee
        "import hashlib\nhashlib.\uff4d\uff44\uff15(b'x')\n",  # fullwidth: ast NFKC-normalises names
        "import hashlib\nx = 'é'\nhashlib.md5(b'x')\n",  # non-ASCII text
    ],
)
def test_callee_words_found_however_written(code: str) -> None:
    assert [rule for rule, _ in hits(code)] == ["py/weak-hash"]


def test_a_keyword_given_by_position_needs_no_keyword_word() -> None:
    # secure/httponly passed positionally: the words "secure" and "httponly" are nowhere.
    code = "def view(resp):\n    resp.set_cookie('k', 'v', None, None, '/', None, False, False)\n"
    assert {rule for rule, _ in hits(code)} == {"py/insecure-cookie", "py/cookie-without-httponly"}


def test_a_required_keyword_must_be_a_whole_word() -> None:
    assert hits("import requests\nrequests.get(u, verify=False)\n") != []
    assert hits("import requests\nrequests.get(u, verify_it=False)\n") == []


def test_assignment_rules_with_subscript_keys_written_with_escapes() -> None:
    # The key is a string: escapes and implicit concatenation spell it differently.
    code = "app.config['\\x44EBUG'] = True\napp.config['SESSION_COOKIE_' 'SECURE'] = False\n"
    assert {rule for rule, _ in hits(code)} == {"py/debug-enabled", "py/insecure-cookie-setting"}


def test_a_file_without_any_rule_word_still_reports_its_syntax_error() -> None:
    source = SourceFile("broken.py", "/nowhere/broken.py", "python", "def f(:\n    pass\n")
    output = PatternAnalyzer().analyze([source], AnalysisContext(Config(), catalog()))
    assert [(s.path, s.reason) for s in output.skipped] == [("broken.py", SkipReason.SYNTAX_ERROR)]


def test_user_rules_with_odd_patterns_are_not_filtered_out() -> None:
    rules = load_rule_file(
        "user.toml",
        """
[[rule]]
id = "x/odd"
analyzer = "patterns"
cwe = ["CWE-1"]
severity = "low"
short_description = "odd"
[[rule.match]]
calls = ["*.Ünïcode", "?"]
[[rule.match]]
calls = ["*.do_it"]
keyword_equals = { flag = true }
""",
    )
    code = "obj.Ünïcode()\nthing.do_it(flag=True)\nthing.do_it(flag=False)\n"
    found = analyze(code, rules=RuleCatalog(rules))
    assert [(f.rule_id, f.location.start_line) for f in found] == [("x/odd", 1), ("x/odd", 2)]
