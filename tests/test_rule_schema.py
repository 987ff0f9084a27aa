"""Rule files are checked whole: an unknown key or a wrong type in any table stops the scan with
exit 2 and a message naming the file, the table and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import RunCli
from vulnhound.errors import RuleError
from vulnhound.rules.catalog import builtin_rule_files
from vulnhound.rules.schema import validate_document

RULE_HEAD = """
[[rule]]
id = "acme/x"
analyzer = "engine"
kind = "sql"
name = "x"
cwe = ["CWE-89"]
severity = "high"
short_description = "x"
"""


def test_the_shipped_rule_files_follow_the_schema() -> None:
    for name, text in builtin_rule_files():
        validate_document(tomllib.loads(text), name, shipped=True)


@pytest.mark.parametrize(
    ("text", "table", "key"),
    [
        ('[[sanitizer]]\ncalls = ["a.b"]\nclear = ["sql"]\n', "[[sanitizer]] #1", "unknown key 'clear'"),
        ('[[source]]\nkind = "remote"\nnames = "a.b"\n', "[[source]] #1", "key 'names'"),
        ('[[guard]]\nmethods = ["ok"]\narg = "0"\n', "[[guard]] #1", "key 'arg'"),
        ('[[propagator]]\ncleaners = ["a.b"]\n', "[[propagator]] #1", "unknown key 'cleaners'"),
        (RULE_HEAD + 'sevrity = "high"\n', "rule 'acme/x'", "unknown key 'sevrity'"),
        (
            RULE_HEAD + '[[rule.sink]]\ncalls = ["a.b"]\nargs = ["0"]\n',
            "rule 'acme/x'",
            "key 'sink.0.args.0'",
        ),
        (RULE_HEAD + '[[rule.sink]]\ncall = ["a.b"]\n', "rule 'acme/x'", "unknown key 'sink.0.call'"),
        (RULE_HEAD.replace('severity = "high"', 'severity = "severe"'), "rule 'acme/x'", "key 'severity'"),
        (
            RULE_HEAD.replace('"engine"', '"patterns"') + '[[rule.match]]\ncalls = ["os.system"]\nargz = 1\n',
            "rule 'acme/x'",
            "[[rule.match]] #1: unknown key(s) argz",
        ),
        ('[[secret]]\nregex = "x"\n', "unknown table 'secret'", ""),
        ("[sanitizer]\ncalls = []\n", "'sanitizer' must be an array of tables", ""),
    ],
)
def test_a_bad_table_stops_the_scan_naming_file_table_and_key(
    cli: RunCli, tmp_path: Path, text: str, table: str, key: str
) -> None:
    rules = tmp_path / "team-rules.toml"
    rules.write_text(text, encoding="utf-8")
    (tmp_path / "app.py").write_text("import os\n", encoding="utf-8")
    proc = cli("scan", tmp_path / "app.py", "--rules", rules)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "team-rules.toml" in proc.stderr and table in proc.stderr and key in proc.stderr
    with pytest.raises(RuleError):
        validate_document(tomllib.loads(text), str(rules))


def test_a_good_user_file_still_loads(cli: RunCli, tmp_path: Path) -> None:
    rules = tmp_path / "team-rules.toml"
    rules.write_text(
        RULE_HEAD + '[[rule.sink]]\ncalls = ["acme.db.run"]\nargs = [0]\n'
        '[[source]]\nkind = "remote"\nnames = ["acme.http.param"]\n',
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text(
        "import acme.db, acme.http\nacme.db.run('select ' + acme.http.param('q'))\n", encoding="utf-8"
    )
    proc = cli("scan", tmp_path / "app.py", "--rules", rules, "-f", "json")
    assert proc.returncode == 1, proc.stderr
    assert '"acme/x"' in proc.stdout
