"""Every exit code of ``vulnhound scan`` and the threshold and filter options."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree

MEDIUM = "import hashlib\n\n\ndef token(x):\n    return hashlib.md5(x).hexdigest()\n"  # medium/medium
HIGH = "import requests\n\n\ndef fetch(u):\n    return requests.get(u, verify=False)\n"  # high/high
TEMP = "import tempfile\n\nNAME = tempfile.mktemp()\n"  # medium severity, high confidence
CLEAN = "import hashlib\n\n\ndef token(x):\n    return hashlib.sha256(x).hexdigest()\n"


def _rules(stdout: str) -> list[str]:
    return sorted(f["rule_id"] for f in json.loads(stdout)["findings"])


def test_exit_0_when_clean(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": CLEAN})
    proc = cli("scan", root, "--fail-on", "info")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_default_fail_on_is_high(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    medium_only = write_tree(tmp_path / "m", {"a.py": MEDIUM})
    proc = cli("scan", medium_only)
    assert proc.returncode == 0, proc.stdout
    assert "py/weak-hash" in proc.stdout  # reported, just below the failing threshold
    high = write_tree(tmp_path / "h", {"a.py": HIGH})
    assert cli("scan", high).returncode == 1


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("high", 0), ("medium", 1), ("low", 1)])
def test_fail_on_threshold(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree, fail_on: str, code: int
) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM})
    assert cli("scan", root, "--fail-on", fail_on).returncode == code


def test_fail_on_from_environment(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM})
    assert cli("scan", root, env={"VULNHOUND_FAIL_ON": "medium"}).returncode == 1
    assert cli("scan", root, "--fail-on", "high", env={"VULNHOUND_FAIL_ON": "medium"}).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "xml"],
        ["--fail-on", "severe"],
        ["--min-confidence", "certain"],
        ["--no-such-option"],
        ["--max-file-size", "lots"],
    ],
)
def test_exit_2_for_usage_errors(cli: RunCli, tmp_path: Path, write_tree: WriteTree, args: list[str]) -> None:
    root = write_tree(tmp_path / "p", {"a.py": HIGH})
    proc = cli("scan", root, *args)
    assert proc.returncode == 2
    assert "error" in proc.stderr
    assert proc.stdout == ""


def test_exit_2_for_missing_target(cli: RunCli, tmp_path: Path) -> None:
    proc = cli("scan", tmp_path / "no-such-dir")
    assert proc.returncode == 2
    assert "no-such-dir" in proc.stderr


def test_exit_2_for_config_error(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": HIGH, "vulnhound.toml": 'fail_on = "sometimes"\n'})
    proc = cli("scan", root)
    assert proc.returncode == 2
    assert "fail_on" in proc.stderr and "vulnhound.toml" in proc.stderr


def test_exit_3_under_strict_when_files_were_skipped(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM, "broken.py": "def f(:\n"})
    assert cli("scan", root).returncode == 0  # skips alone do not fail without --strict
    proc = cli("scan", root, "--strict")
    assert proc.returncode == 3
    assert "broken.py" in proc.stdout


def test_strict_without_skips_is_0_and_findings_beat_skips(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    clean = write_tree(tmp_path / "c", {"a.py": MEDIUM})
    assert cli("scan", clean, "--strict").returncode == 0
    both = write_tree(tmp_path / "b", {"a.py": HIGH, "broken.py": "def f(:\n"})
    assert cli("scan", both, "--strict").returncode == 1


def test_strict_from_config_file(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"broken.py": "def f(:\n", "vulnhound.toml": "strict = true\n"})
    assert cli("scan", root).returncode == 3


def test_min_severity_filters_output_and_exit(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM, "b.py": HIGH})
    everything = cli("scan", root, "-f", "json")
    assert _rules(everything.stdout) == ["py/tls-verification-disabled", "py/weak-hash"]
    high = cli("scan", root, "-f", "json", "--min-severity", "high")
    assert _rules(high.stdout) == ["py/tls-verification-disabled"]
    assert high.returncode == 1
    critical = cli("scan", root, "-f", "json", "--min-severity", "critical", "--fail-on", "low")
    assert _rules(critical.stdout) == []
    assert critical.returncode == 0  # filtered findings do not fail the build


def test_min_confidence_filters(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM, "t.py": TEMP})
    assert _rules(cli("scan", root, "-f", "json").stdout) == ["py/insecure-temp-file", "py/weak-hash"]
    high = cli("scan", root, "-f", "json", "--min-confidence", "high", "--fail-on", "medium")
    assert _rules(high.stdout) == ["py/insecure-temp-file"]
    assert high.returncode == 1
    env = cli("scan", root, "-f", "json", env={"VULNHOUND_MIN_CONFIDENCE": "high"})
    assert _rules(env.stdout) == ["py/insecure-temp-file"]


def test_exit_3_when_nothing_at_all_was_analysed(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    """An empty tree or an include glob that matches nothing must not pass CI."""
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = cli("scan", empty)
    assert proc.returncode == 3 and "NOTHING WAS ANALYSED" in proc.stdout
    root = write_tree(tmp_path / "p", {"a.py": CLEAN})
    assert cli("scan", root, "--include", "*.pyx").returncode == 3
    assert cli("scan", root).returncode == 0


def test_unwritable_output_is_a_usage_error_not_a_finding(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"a.py": HIGH})
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for target in (tmp_path, blocker / "sub" / "out.json"):  # a directory; a parent that is a file
        proc = cli("scan", root, "-f", "json", "-o", target)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("vulnhound: error: cannot write") and "Traceback" not in proc.stderr
    baseline = cli("baseline", "create", "-o", tmp_path, root)
    assert baseline.returncode == 2 and "cannot write" in baseline.stderr


def test_report_files_get_ordinary_permissions(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": CLEAN})
    out = tmp_path / "reports" / "scan.sarif"  # missing parents are created
    assert cli("scan", root, "-f", "sarif", "-o", out).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    # what any other tool would create under this umask, not mkstemp's private 0600
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
