"""The real CLI writes several reports from one scan, each complete and parseable."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli
from reporting_fixtures import REAL_SOURCE


def test_one_scan_three_reports(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "src"
    target.mkdir()
    (target / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    proc = cli(
        "scan",
        target,
        "-f",
        "sarif",
        "-o",
        out / "out.sarif",
        "--json-output",
        out / "out.json",
        "--markdown-output",
        out / "out.md",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr  # a high finding fails the default --fail-on
    assert proc.stdout == ""
    sarif = json.loads((out / "out.sarif").read_text(encoding="utf-8"))
    report = json.loads((out / "out.json").read_text(encoding="utf-8"))
    markdown = (out / "out.md").read_text(encoding="utf-8")
    sarif_rules = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    json_rules = sorted(f["rule_id"] for f in report["findings"])
    assert sarif_rules == json_rules and "py/weak-hash" in json_rules
    assert "py/tls-verification-disabled" in json_rules
    assert report["schema_version"] == "1.3" and report["complete"] is True
    assert markdown.startswith("## ") and "`client.py:7`" in markdown
    assert sorted(p.name for p in out.iterdir()) == ["out.json", "out.md", "out.sarif"]  # no temp files left


def test_text_colour_follows_the_flag(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    plain = cli("scan", tmp_path, env={"FORCE_COLOR": "1"})
    coloured = cli("scan", tmp_path, "--color", "always")
    assert "\x1b[" not in plain.stdout and "py/weak-hash" in plain.stdout
    assert "\x1b[" in coloured.stdout
