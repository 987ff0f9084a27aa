"""Other tools' results merged into a scan (`--import-results`): the analyzer port, fed by a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import RunCli, WriteTree

VIEW = (
    "import subprocess\n"
    "from flask import request\n"
    "\n"
    "\n"
    "def run():\n"
    "    subprocess.call('ls ' + request.args['d'], shell=True)\n"
)


def _bandit(target: Path, out: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", str(target), "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr  # 1: Bandit found something
    assert json.loads(out.read_text())["results"]


def test_a_real_bandit_run_merges_with_the_engine(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "app", {"views.py": VIEW})
    report = tmp_path / "bandit.json"
    _bandit(root, report)
    proc = cli("scan", root, "-f", "json", "--import-results", report, "--fail-on", "critical")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    injection = [f for f in findings if f["location"]["start_line"] == 6]
    # Bandit's B602 and the engine's taint finding are one finding that both analyzers reported
    assert len(injection) == 1 and injection[0]["rule_id"] == "py/command-injection"
    assert set(injection[0]["analyzers"]) == {"engine", "import:bandit.json"}
    assert any(f["rule_id"].startswith("bandit.") for f in findings)  # Bandit-only findings kept too


def test_sarif_from_another_tree_is_attributed_by_path_and_outsiders_are_noted(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    elsewhere = write_tree(tmp_path / "checkout", {"app/views.py": VIEW, "other.py": VIEW})
    sarif = tmp_path / "other.sarif"
    assert cli("scan", elsewhere, "-f", "sarif", "-o", sarif).returncode == 1
    here = write_tree(tmp_path / "mine", {"app/views.py": "x = 1\n"})
    proc = cli("scan", here, "-f", "json", "--import-results", sarif, "--analyzer", "patterns")
    doc = json.loads(proc.stdout)
    assert [(f["location"]["path"], f["analyzers"]) for f in doc["findings"]] == [
        ("app/views.py", ["import:other.sarif"])
    ]
    assert any("outside this scan" in note for note in doc["notes"])


def test_an_unreadable_import_is_a_usage_error(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "app", {"views.py": VIEW})
    bogus = tmp_path / "results.json"
    bogus.write_text('{"not": "a report"}')
    proc = cli("scan", root, "--import-results", bogus)
    assert proc.returncode == 2 and "SARIF" in proc.stderr


def _sarif_result(
    rule: str, line: int, column: int, message: str, path: str = "views.py"
) -> dict[str, object]:
    region = {"startLine": line, "startColumn": column}
    return {
        "ruleId": rule,
        "level": "error",
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": path}, "region": region}}],
    }


def _sarif(results: list[dict[str, object]], rules: dict[str, str]) -> str:
    """A SARIF log as CodeQL writes one: CWE ids as rule tags."""
    driver = {
        "name": "CodeQL",
        "rules": [
            {"id": r, "properties": {"tags": ["security", f"external/cwe/{c}"]}} for r, c in rules.items()
        ],
    }
    return json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]})


def test_an_imported_finding_merges_on_line_and_cwe_whatever_its_column(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    """CodeQL points at the argument (column 21), the engine at the call (column 5): one finding.
    Another weakness on that line stays a finding of its own."""
    root = write_tree(tmp_path / "app", {"views.py": VIEW})
    sarif = tmp_path / "codeql.sarif"
    sarif.write_text(
        _sarif(
            [
                _sarif_result(
                    "py/command-line-injection", 6, 21, "This command line depends on a user value."
                ),
                _sarif_result("py/sql-injection", 6, 21, "This query depends on a user value."),
            ],
            {"py/command-line-injection": "cwe-078", "py/sql-injection": "cwe-089"},
        )
    )
    proc = cli("scan", root, "-f", "json", "--import-results", sarif, "--fail-on", "critical")
    on_line = [f for f in json.loads(proc.stdout)["findings"] if f["location"]["start_line"] == 6]
    by_cwe = {cwe: f for f in on_line for cwe in f["cwe"]}
    injection = by_cwe["CWE-78"]
    assert injection["rule_id"] == "py/command-injection" and injection["location"]["start_column"] == 5
    assert set(injection["analyzers"]) == {"engine", "import:codeql.sarif"}
    assert by_cwe["CWE-89"]["analyzers"] == ["import:codeql.sarif"]  # not the same weakness
    assert len(on_line) == 2


SECRETS = 'AWS_ACCESS_KEY_ID = "AKIAQ3EGRT5XW2HNV7PZ"\nDB_PASSWORD = "Xk9mQ2vL7pRt4wZq"\n'


def test_secrets_quoted_in_imported_messages_are_masked(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    """Bandit quotes the password it found; a SARIF tool quotes the key; a Semgrep rule quotes
    the password without the name that gives it away. None of them reaches a report."""
    root = write_tree(tmp_path / "app", {"settings.py": SECRETS})
    bandit = tmp_path / "bandit.json"
    _bandit(root, bandit)
    assert "Xk9mQ2vL7pRt4wZq" in bandit.read_text()  # Bandit's own message quotes it
    sarif = tmp_path / "tool.sarif"  # CWE-312: no finding of ours shares it, so the message stays
    key_message = "AWS access key AKIAQ3EGRT5XW2HNV7PZ is committed"
    sarif.write_text(
        _sarif([_sarif_result("aws-key", 1, 1, key_message, "settings.py")], {"aws-key": "cwe-312"})
    )
    semgrep = tmp_path / "semgrep.json"
    semgrep.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "check_id": "generic.secrets.credential",
                        "path": "settings.py",
                        "start": {"line": 2, "col": 15},
                        "end": {"line": 2, "col": 33},
                        "extra": {
                            "message": "Hardcoded credential found: Xk9mQ2vL7pRt4wZq",
                            "severity": "ERROR",
                        },
                    }
                ]
            }
        )
    )
    imports = ("--import-results", bandit, "--import-results", sarif, "--import-results", semgrep)
    proc = cli("scan", root, "-f", "json", *imports, "--markdown-output", tmp_path / "r.md")
    text = cli("scan", root, *imports)
    for output in (proc.stdout, text.stdout, (tmp_path / "r.md").read_text()):
        assert "Xk9mQ2vL7pRt4wZq" not in output and "Q3EGRT5XW2HNV7PZ" not in output
    messages = [m for f in json.loads(proc.stdout)["findings"] for m in [f["message"]] if "********" in m]
    assert "Possible hardcoded password: '******** (16 characters)'" in messages
    assert "AWS access key ******** (20 characters) is committed" in messages
    assert "Hardcoded credential found: ******** (16 characters)" in messages
