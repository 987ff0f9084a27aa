"""``--quiet`` prints findings only; ``--verbose`` adds what a user debugging a scan needs.
Neither changes an exit code or a written report."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli, WriteTree

WEAK = "import hashlib\n\n\ndef token(x):\n    return hashlib.md5(x).hexdigest()\n"  # medium
SUPPRESSED = "import hashlib\n\nSUM = hashlib.md5(b'x')  # vulnhound: ignore[py/weak-hash] file checksum\n"
BROKEN = "def f(:\n    pass\n"


def _tree(tmp_path: Path, write_tree: WriteTree) -> Path:
    return write_tree(
        tmp_path / "p",
        {"a.py": WEAK, "sums.py": SUPPRESSED, "broken.py": BROKEN, "vulnhound.toml": 'fail_on = "medium"\n'},
    )


def test_quiet_prints_only_findings_with_the_same_exit_code(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = _tree(tmp_path, write_tree)
    loud = cli("scan", root)
    assert loud.returncode == 1 and "Not analysed" in loud.stdout and "analysed in" in loud.stdout
    quiet = cli("scan", root, "-q", "--json-output", tmp_path / "r.json")
    assert quiet.returncode == loud.returncode
    assert "a.py:5" in quiet.stdout and "py/weak-hash" in quiet.stdout
    for chatter in ("Not analysed", "broken.py", "analysed in", "NOT analysed", "Suppressed"):
        assert chatter not in quiet.stdout, chatter
    assert quiet.stderr == ""
    # reports written to files are whole documents whatever the verbosity
    assert json.loads((tmp_path / "r.json").read_text())["skipped"]


def test_quiet_clean_scan_prints_nothing_but_an_empty_one_still_says_so(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    clean = write_tree(tmp_path / "c", {"a.py": "x = 1\n"})
    proc = cli("scan", clean, "--quiet")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    nothing = cli("scan", clean, "--quiet", "--include", "*.pyx")
    assert nothing.returncode == 3 and "NOTHING WAS ANALYSED" in nothing.stdout


def test_verbose_shows_configuration_analyzers_and_suppressed_findings(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = _tree(tmp_path, write_tree)
    proc = cli("scan", root, "--verbose")
    assert proc.returncode == 1
    assert f"configuration: {root / 'vulnhound.toml'}" in proc.stderr
    assert "analyzers: engine, patterns, ai-directives, secrets;" in proc.stderr
    assert "3 files (" in proc.stderr and "1 file NOT analysed" in proc.stderr  # a.py, sums.py, the toml
    assert "Suppressed (1)" in proc.stdout and "file checksum" in proc.stdout
    assert "configuration:" not in cli("scan", root).stderr


def test_quiet_and_verbose_exclude_each_other_and_apply_to_baselines(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = _tree(tmp_path, write_tree)
    assert cli("scan", root, "-q", "-v").returncode == 2
    told = cli("baseline", "create", root, "-o", tmp_path / "b.json")
    assert told.returncode == 0 and "wrote 1 finding(s)" in told.stderr
    quiet = cli("baseline", "create", root, "-o", tmp_path / "b.json", "--quiet")
    assert (quiet.returncode, quiet.stderr) == (0, "")
