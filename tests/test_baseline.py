"""Baseline round trip through the CLI: accepted findings stay quiet, new ones are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree

APP = """import hashlib
import tempfile


def token(value):
    return hashlib.md5(value).hexdigest()


def scratch():
    return tempfile.mktemp()
"""


def _findings(proc_stdout: str) -> list[tuple[str, int, str]]:
    doc = json.loads(proc_stdout)
    return [(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in doc["findings"]]


def test_round_trip(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"app.py": APP})
    baseline = tmp_path / "b.json"
    create = cli("baseline", "create", "-o", baseline, root)
    assert create.returncode == 0, create.stderr
    doc = json.loads(baseline.read_text())
    assert doc["tool"] == "vulnhound"
    assert sorted(e["rule_id"] for e in doc["findings"]) == ["py/insecure-temp-file", "py/weak-hash"]

    before = cli("scan", "-f", "json", "--fail-on", "low", root)
    assert before.returncode == 1 and len(_findings(before.stdout)) == 2

    quiet = cli("scan", "-f", "json", "--fail-on", "low", "--baseline", baseline, root)
    assert quiet.returncode == 0, quiet.stdout
    assert _findings(quiet.stdout) == []

    (root / "app.py").write_text('"""Module docstring."""\n\nimport os\n\n\n' + APP)
    shifted = cli("scan", "-f", "json", "--fail-on", "low", "--baseline", baseline, root)
    assert shifted.returncode == 0
    assert _findings(shifted.stdout) == []

    new_code = (root / "app.py").read_text() + "\n\ndef legacy(v):\n    return hashlib.sha1(v)\n"
    (root / "app.py").write_text(new_code)
    new_line = new_code.splitlines().index("    return hashlib.sha1(v)") + 1
    fresh = cli("scan", "-f", "json", "--fail-on", "low", "--baseline", baseline, root)
    assert fresh.returncode == 1
    assert _findings(fresh.stdout) == [("app.py", new_line, "py/weak-hash")]
    from_env = cli("scan", "-f", "json", "--fail-on", "low", root, env={"VULNHOUND_BASELINE": str(baseline)})
    assert _findings(from_env.stdout) == [("app.py", new_line, "py/weak-hash")]


def test_a_copy_of_an_accepted_call_is_new(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"app.py": APP})
    baseline = tmp_path / "b.json"
    assert cli("baseline", "create", "-o", baseline, root).returncode == 0
    doubled = APP.replace(
        "    return hashlib.md5(value).hexdigest()\n",
        "    return hashlib.md5(value).hexdigest()\n    return hashlib.md5(value).hexdigest()\n",
    )
    (root / "app.py").write_text(doubled)
    proc = cli("scan", "-f", "json", "--fail-on", "low", "--baseline", baseline, root)
    assert proc.returncode == 1
    assert _findings(proc.stdout) == [("app.py", 7, "py/weak-hash")]


def test_suppressed_findings_stay_out_of_the_baseline(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"app.py": APP.replace("mktemp()", "mktemp()  # vulnhound: ignore")})
    baseline = tmp_path / "b.json"
    assert cli("baseline", "create", "-o", baseline, root).returncode == 0
    assert [e["rule_id"] for e in json.loads(baseline.read_text())["findings"]] == ["py/weak-hash"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"tool": "other", "version": 1, "findings": []}', "not a vulnhound baseline"),
        ('{"tool": "vulnhound", "version": 99, "findings": []}', "version"),
        ('{"tool": "vulnhound", "version": 1, "findings": [{"rule_id": "x"}]}', "fingerprint"),
        ('["just", "a", "list"]', "not a vulnhound baseline"),
        (None, "cannot read baseline"),
    ],
)
def test_bad_baseline_exits_2_with_a_clear_message(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree, content: str | None, message: str
) -> None:
    root = write_tree(tmp_path / "p", {"app.py": APP})
    baseline = tmp_path / "bad-baseline.json"
    if content is not None:
        baseline.write_text(content)
    proc = cli("scan", "--baseline", baseline, root)
    assert proc.returncode == 2
    assert "bad-baseline.json" in proc.stderr and message in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_baseline_create_writes_nothing_on_error(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"app.py": APP, "vulnhound.toml": "bogus_key = 1\n"})
    baseline = tmp_path / "b.json"
    proc = cli("baseline", "create", "-o", baseline, root)
    assert proc.returncode == 2 and "bogus_key" in proc.stderr
    assert not baseline.exists()
    missing_output = cli("baseline", "create", root)
    assert missing_output.returncode == 2


def test_configured_baseline_is_relative_to_the_config_file_and_ignored_by_create(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(
        tmp_path / "p", {"app.py": APP, "vulnhound.toml": 'baseline = "ci/b.json"\nfail_on = "low"\n'}
    )
    (root / "ci").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Run from another directory: the configured path still means p/ci/b.json.
    assert cli("baseline", "create", "-o", root / "ci" / "b.json", root, cwd=elsewhere).returncode == 0
    assert cli("scan", root, cwd=elsewhere).returncode == 0
    (root / "app.py").write_text(APP + "\n\ndef legacy(v):\n    return hashlib.sha1(v)\n")
    assert cli("scan", root, cwd=elsewhere).returncode == 1
    # Re-creating the baseline records every finding, not just those the old baseline lacks.
    assert cli("baseline", "create", "-o", root / "ci" / "b.json", root, cwd=elsewhere).returncode == 0
    entries = json.loads((root / "ci" / "b.json").read_text())["findings"]
    assert sorted(e["rule_id"] for e in entries) == ["py/insecure-temp-file", "py/weak-hash", "py/weak-hash"]
    assert cli("scan", root, cwd=elsewhere).returncode == 0
