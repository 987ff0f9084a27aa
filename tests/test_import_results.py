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
