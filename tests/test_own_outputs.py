"""A baseline, report or imported result inside the scanned tree is the run's own input or
output, not code: the walk leaves it out (silently, unless --verbose)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import RunCli, WriteTree
from vulnhound import scan
from vulnhound.config import Config

SETTINGS = 'import hashlib\n\nAWS_ACCESS_KEY_ID = "AKIAQ3EGRT5XW2HNV7PZ"\nSUM = hashlib.md5(b"x")\n'


def _summary(path: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def test_a_report_in_the_tree_is_not_scanned_by_the_next_run(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"settings.py": SETTINGS})
    args = ("scan", root, "-f", "html", "-o", root / "report.html", "--sarif-output", root / "r.sarif")
    first = cli(*args, "--json-output", tmp_path / "first.json")
    second = cli(*args, "--json-output", tmp_path / "second.json")
    assert first.returncode == second.returncode == 1, second.stderr
    before, after = _summary(tmp_path / "first.json"), _summary(tmp_path / "second.json")
    assert after["summary"] == {**before["summary"], "duration_s": after["summary"]["duration_s"]}  # type: ignore[dict-item]
    assert after["unsupported_languages"] == []  # the HTML report would be "html, text checks only"
    assert {f["location"]["path"] for f in after["findings"]} == {"settings.py"}  # type: ignore[attr-defined]
    assert second.stderr == ""
    verbose = cli(*args, "--verbose")
    assert (
        f"not scanned (this run's own input or output): {(root / 'report.html').resolve()}" in verbose.stderr
    )
    assert str((root / "r.sarif").resolve()) in verbose.stderr


def test_baselines_and_imported_results_in_the_tree_are_not_scanned(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"settings.py": SETTINGS})
    baseline = root / "baseline.json"
    assert cli("baseline", "create", root, "-o", baseline).returncode == 0
    proc = cli("scan", root, "--baseline", baseline, "-f", "json")
    doc = json.loads(proc.stdout)
    assert doc["summary"]["files_analyzed"] == 1 and doc["summary"]["baseline_matched"] >= 2
    bandit = root / "bandit.json"  # quotes the key in its "code" field
    subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", root, "-f", "json", "-o", bandit], check=False
    )
    shutil.copy(bandit, root / "copy.json")  # the same text, not this run's input: scanned
    proc = cli("scan", root, "--import-results", bandit, "-f", "json", "--analyzer", "secrets")
    secrets = {f["location"]["path"] for f in json.loads(proc.stdout)["findings"] if "CWE-798" in f["cwe"]}
    assert secrets == {"settings.py", "copy.json"}


def test_the_library_honours_ignore_paths(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "p", {"settings.py": SETTINGS, "out/r.json": '{"k": "AKIAQ3EGRT5XW2HNV7PZ"}\n'}
    )
    assert scan([root], Config()).files_analyzed == 2
    result = scan([root], Config(ignore_paths=(str(root / "out" / "r.json"),)))
    assert result.files_analyzed == 1 and not result.skipped
