"""The rule format: bad tables are named errors; user rule files can use every form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.patterns.helpers import analyze

from conftest import RunCli
from vulnhound.analyzers.patterns import compile_rules
from vulnhound.errors import RuleError
from vulnhound.rules.catalog import RuleCatalog, load_rule_file

HEAD = """
[[rule]]
id = "x/test"
analyzer = "patterns"
cwe = ["CWE-489"]
severity = "low"
short_description = "test"
"""


def compile_text(text: str) -> None:
    compile_rules(load_rule_file("user.toml", HEAD + text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a [[rule.match]] or [[rule.assign]]"),
        ("[[rule.match]]\ncalls = []\n", "non-empty 'calls'"),
        ("[[rule.match]]\ncalls = ['a']\nkeyword_maybe = ['x']\n", "unknown key(s) keyword_maybe"),
        (
            "[[rule.match]]\ncalls = ['a']\nassigned_to_name_matching = '('\n",
            "not a valid regular expression",
        ),
        (
            "[[rule.match]]\ncalls = ['a']\nassigned_to_name_not_matching = 'x'\n",
            "needs 'assigned_to_name_matching'",
        ),
        ("[[rule.assign]]\ntargets = ['DEBUG']\n", "needs a non-empty 'targets' list and a 'value'"),
        ("[[rule.assign]]\ntargets = ['DEBUG']\nvalue = true\npath = 'x'\n", "unknown key(s) path"),
    ],
)
def test_bad_tables_are_named(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=r"user\.toml: rule 'x/test'") as info:
        compile_text(text)
    assert message in str(info.value)


def test_every_shipped_patterns_rule_compiles_with_full_metadata() -> None:
    catalog = RuleCatalog.load()
    rules = catalog.for_analyzer("patterns")
    assert len(compile_rules(rules)) == len(rules)
    for rule in rules:
        assert rule.name != rule.id and rule.full_description != rule.short_description, rule.id
        assert rule.help_text != rule.short_description, rule.id
    ids = {r.id for r in rules}
    assert {"py/insecure-cookie", "py/cookie-without-httponly", "py/weak-random", "py/weak-cipher"} <= ids


def test_user_rule_with_assign_form_and_name_condition() -> None:
    catalog = RuleCatalog(
        load_rule_file(
            "user.toml",
            HEAD
            + """
[[rule.assign]]
targets = ["FEATURE_ADMIN", "*.admin_open"]
value = true
path_matching = "(^|/)conf\\\\.py$"

[[rule.match]]
calls = ["mylib.make"]
assigned_to_name_matching = "(^|_)secret$"
""",
        )
    )
    code = "import mylib\nFEATURE_ADMIN = True\nsite.admin_open = 1\nmy_secret = mylib.make()\nother = mylib.make()\n"
    assert [f.location.start_line for f in analyze(code, "pkg/conf.py", catalog)] == [2, 3, 4]
    assert [f.location.start_line for f in analyze(code, "pkg/views.py", catalog)] == [4]


def test_cli_scan_reports_new_rules_end_to_end(cli: RunCli, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "mysite").mkdir(parents=True)
    (project / "mysite" / "settings.py").write_text("DEBUG = True\nSESSION_COOKIE_SECURE = False\n")
    (project / "views.py").write_text("def v(resp):\n    resp.set_cookie('sid', 'x', secure=True)\n")
    result = cli("scan", project, "--analyzer", "patterns", "-f", "json", "--fail-on", "critical")
    assert result.returncode == 0, result.stderr
    found = {(f["rule_id"], f["location"]["path"]) for f in json.loads(result.stdout)["findings"]}
    assert found == {
        ("py/debug-enabled", "mysite/settings.py"),
        ("py/insecure-cookie-setting", "mysite/settings.py"),
        ("py/cookie-without-httponly", "views.py"),
    }
