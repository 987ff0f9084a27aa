"""The CLI end to end on the bundled example app, plus version, console script and library API."""

from __future__ import annotations

import json
import os
import pty
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import vulnhound
from conftest import EXAMPLE_SHOP, RunCli
from vulnhound import Config, ScanResult, Severity
from vulnhound.output import write_atomic

_ROW = re.compile(r"^\| `(?P<path>[^`:]+):(?P<line>\d+)` \| (?P<cwe>CWE-\d+) \|.*\| (?P<by>[^|]+) \|$")
_VULN = re.compile(r"#\s*VULN:\s*(CWE-\d+)")


def _readme_rows() -> list[dict[str, str]]:
    text = (EXAMPLE_SHOP / "README.md").read_text(encoding="utf-8")
    rows = [m.groupdict() for line in text.splitlines() if (m := _ROW.match(line))]
    assert rows, "the example README has no vulnerability table"
    return rows


def _marked_lines(marker: str) -> dict[tuple[str, int], str]:
    """(path, line) -> the line's text, for every example line with a ``# VULN``/``# SAFE`` comment."""
    marked: dict[tuple[str, int], str] = {}
    for file in sorted(EXAMPLE_SHOP.rglob("*.py")):
        rel = file.relative_to(EXAMPLE_SHOP).as_posix()
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if f"# {marker}:" in line:
                marked[(rel, number)] = line
    return marked


def _expected_pattern_findings() -> set[tuple[str, int, str]]:
    return {
        (r["path"], int(r["line"]), r["cwe"]) for r in _readme_rows() if "patterns" in r["by"].split(", ")
    }


def test_readme_table_matches_the_vuln_comments() -> None:
    vulns = _marked_lines("VULN")
    table = {(r["path"], int(r["line"])): r["cwe"] for r in _readme_rows()}
    assert set(table) == set(vulns), "README table and # VULN comments disagree"
    for key, cwe in table.items():
        match = _VULN.search(vulns[key])
        assert match is not None and match.group(1) == cwe, f"{key}: README says {cwe}: {vulns[key]!r}"
    assert "vulnhound: ignore" not in "".join(p.read_text() for p in EXAMPLE_SHOP.rglob("*.py"))
    assert len(_marked_lines("SAFE")) >= 10


def test_text_scan_of_example_lists_findings_and_exits_1(cli: RunCli) -> None:
    proc = cli("scan", EXAMPLE_SHOP)
    assert proc.returncode == 1, proc.stderr
    expected = _expected_pattern_findings()
    assert len(expected) >= 7
    for path, line, _cwe in expected:
        assert f"{path}:{line}" in proc.stdout, f"{path}:{line} missing from:\n{proc.stdout}"
    for rule in ("py/weak-hash", "py/tls-verification-disabled", "py/debug-enabled", "py/insecure-temp-file"):
        assert rule in proc.stdout


def test_json_scan_of_example_finds_planted_issues_and_no_safe_lines(cli: RunCli) -> None:
    proc = cli("scan", "-f", "json", EXAMPLE_SHOP)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    found = {(f["location"]["path"], f["location"]["start_line"]): f for f in doc["findings"]}
    for path, line, cwe in _expected_pattern_findings():
        finding = found.get((path, line))
        assert finding is not None, f"no finding at {path}:{line}"
        assert finding["cwe"][0] == cwe
        assert finding["fingerprint"]
        assert finding["suppressed"] is False
    safe_hits = set(found) & set(_marked_lines("SAFE"))
    assert not safe_hits, f"findings on safe look-alikes: {sorted(safe_hits)}"
    assert not doc["skipped"]


def test_module_version_and_console_script(cli: RunCli) -> None:
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"vulnhound {vulnhound.__version__}"
    script = Path(sys.executable).with_name("vulnhound")
    assert script.is_file(), f"console script not installed next to {sys.executable}"
    console = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert console.returncode == 0
    assert console.stdout.strip() == proc.stdout.strip()
    scan = subprocess.run(
        [str(script), "scan", str(EXAMPLE_SHOP)], capture_output=True, text=True, check=False
    )
    assert scan.returncode == 1
    assert "py/weak-hash" in scan.stdout


def test_library_scan_returns_result_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text("import hashlib\nhashlib.md5(b'x')\nimport tempfile\ntempfile.mktemp()\n")
    result = vulnhound.scan([tmp_path], Config())
    assert isinstance(result, ScanResult)
    assert sorted(f.rule_id for f in result.active) == ["py/insecure-temp-file", "py/weak-hash"]
    assert result.files_analyzed == 1
    high_conf = vulnhound.scan([tmp_path], Config(min_confidence=vulnhound.Confidence.HIGH))
    assert [f.rule_id for f in high_conf.active] == ["py/insecure-temp-file"]
    assert not vulnhound.scan([tmp_path], Config(min_severity=Severity.HIGH)).findings
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_several_outputs_from_one_run(cli: RunCli, tmp_path: Path) -> None:
    main, extra = tmp_path / "out" / "main.txt", tmp_path / "out" / "extra.json"
    proc = cli("scan", EXAMPLE_SHOP, "-o", main, "--json-output", extra)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "py/weak-hash" in main.read_text()
    assert json.loads(extra.read_text())["findings"]
    assert sorted(p.name for p in main.parent.iterdir()) == ["extra.json", "main.txt"]  # no temp files left


@pytest.mark.parametrize(
    ("args", "setup"),
    [
        (["-f", "nonsense"], None),
        ([], "vulnhound.toml"),
        (["--baseline", "missing-baseline.json"], None),
        (["--config", "no-such-config.toml"], None),
    ],
)
def test_no_output_file_when_scan_did_not_finish(
    cli: RunCli, tmp_path: Path, args: list[str], setup: str | None
) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "a.py").write_text("import hashlib\nhashlib.md5(b'x')\n")
    if setup:
        (target / setup).write_text("no_such_key = 1\n")
    out, extra = tmp_path / "report.txt", tmp_path / "report.json"
    proc = cli("scan", target, "-o", out, "--json-output", extra, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip()
    assert not out.exists() and not extra.exists()


def test_write_atomic_replaces_whole_file_or_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_atomic(target, "old content\n")
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"

    # A lone surrogate cannot be encoded: the write fails after the file was opened.
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "x" * 100_000 + "\ud800")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_writes_through_a_pipe_and_never_replaces_it(tmp_path: Path) -> None:
    """-o /dev/stdout or a named pipe: the special file is written to, not renamed over."""
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_unwritable_output_paths_say_why(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where a folder should be\n")
    done = cli("scan", EXAMPLE_SHOP, "-o", tmp_path / "taken" / "sub" / "report.txt")
    assert done.returncode == 2
    assert f"{tmp_path / 'taken'} is a file, not a directory" in done.stderr
    assert "File exists" not in done.stderr
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        denied = cli("scan", EXAMPLE_SHOP, "-o", locked / "report.txt")
        assert denied.returncode == 2 and f"no write permission in {locked}" in denied.stderr


def test_progress_only_on_a_terminal(cli: RunCli, tmp_path: Path) -> None:
    piped = cli("scan", EXAMPLE_SHOP)
    assert piped.stderr == ""  # no progress bar, no chatter when stderr is not a TTY
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "vulnhound", "scan", str(EXAMPLE_SHOP)],
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if not k.startswith("VULNHOUND_")},
            text=True,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 1
    assert "py/weak-hash" in proc.stdout
    assert b"scanning" in b"".join(chunks)
