"""`vulnhound rules`: every rule with its id, CWE, severity and description; user rule files add rules."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli
from vulnhound.rules.catalog import RuleCatalog

USER_RULES = """
[[rule]]
id = "acme/legacy-crypt"
analyzer = "patterns"
name = "Legacy crypt"
cwe = ["CWE-916"]
severity = "low"
short_description = "crypt.crypt is a weak password hash."

[[rule.match]]
calls = ["crypt.crypt"]
"""


def test_rules_lists_every_catalogued_rule(cli: RunCli) -> None:
    proc = cli("rules", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    catalog = RuleCatalog.load()
    assert set(rows) == {r.id for r in catalog}
    for rule in catalog:
        row = rows[rule.id]
        assert row["cwe"] == list(rule.cwe) and row["severity"] == rule.severity.value
        assert row["description"] == rule.short_description
    # every family of the issue is there, most specific CWE first for code injection
    assert rows["py/code-injection"]["cwe"] == ["CWE-95", "CWE-94"]
    table = cli("rules").stdout
    for rule in catalog:
        assert rule.id in table  # ids never wrap, so they can be copied into suppressions


def test_user_rule_file_adds_a_rule_that_scans_find(cli: RunCli, tmp_path: Path) -> None:
    rules = tmp_path / "acme.toml"
    rules.write_text(USER_RULES)
    listed = json.loads(cli("rules", "--json", "--rules", rules).stdout)
    assert {"acme/legacy-crypt"} <= {r["id"] for r in listed}
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "auth.py").write_text("import crypt\n\nh = crypt.crypt(pw)\n")
    proc = cli("scan", "-f", "json", "--rules", rules, "--fail-on", "low", tmp_path / "p")
    assert proc.returncode == 1, proc.stderr
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["acme/legacy-crypt"]


def test_broken_rule_file_is_a_usage_error_naming_the_file(cli: RunCli, tmp_path: Path) -> None:
    rules = tmp_path / "broken.toml"
    rules.write_text('[[rule]]\nid = "x/y"\nanalyzer = "patterns"\ncwe = ["CWE-1"]\nseverity = "severe"\n')
    proc = cli("rules", "--rules", rules)
    assert proc.returncode == 2
    assert "broken.toml" in proc.stderr and "severe" in proc.stderr
