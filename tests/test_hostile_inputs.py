"""A directory of hostile inputs: the scan finishes, says what it skipped and why, loses nothing."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import vulnhound
from conftest import RunCli, WriteTree
from vulnhound import Config, SkipReason

GOOD_A = "import hashlib\nimport tempfile\n\n\ndef f(x):\n    h = hashlib.md5(x)\n    return h, tempfile.mktemp()\n"
GOOD_B = "import requests\n\n\ndef g(u):\n    return requests.get(u, verify=False)\n"
OUTSIDE = "import hashlib\n\nOUT = hashlib.sha1(b'outside the root')\n"
IS_ROOT = os.geteuid() == 0


@dataclass(frozen=True)
class Expected:
    reason: SkipReason
    detail: tuple[str, ...]  # words the detail must contain (case-insensitive)


def _build(tmp_path: Path, write_tree: WriteTree) -> tuple[Path, dict[str, Expected]]:
    root = tmp_path / "root"
    write_tree(tmp_path / "outside", {"secret.py": OUTSIDE, "lib/mod.py": OUTSIDE})
    huge = "x = 1\n" * (5 * 1024 * 1024 // 6 + 1) + "import hashlib\nhashlib.md5(b'')\n"
    write_tree(
        root,
        {
            "good_a.py": GOOD_A,
            "pkg/good_b.py": GOOD_B,
            "empty.py": "",
            "binary.py": b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 8,
            "huge.py": huge,
            "bad_utf8.py": b"# comment\nname = 'caf\xe9 \xff'\n",
            "broken_syntax.py": "def f(:\n    return 1\n",
            "locked.py": "import hashlib\nhashlib.md5(b'locked')\n",
            "loops/placeholder.txt": "",
        },
    )
    (root / "loops" / "up").symlink_to("..", target_is_directory=True)  # directory link to its parent
    (root / "self_link.py").symlink_to("self_link.py")  # a link to itself
    (root / "escape_file.py").symlink_to(tmp_path / "outside" / "secret.py")
    (root / "escape_dir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "locked.py").chmod(0)
    size = (root / "huge.py").stat().st_size
    expected = {
        "binary.py": Expected(SkipReason.BINARY, ("nul",)),
        "huge.py": Expected(SkipReason.TOO_LARGE, (str(size), "limit")),
        "bad_utf8.py": Expected(SkipReason.DECODE_ERROR, ("utf-8", "byte", "line 2")),
        "broken_syntax.py": Expected(SkipReason.SYNTAX_ERROR, ("line 1",)),
        "loops/up": Expected(SkipReason.SYMLINK_LOOP, ("symbolic link",)),
        "self_link.py": Expected(SkipReason.SYMLINK_LOOP, ("loop",)),
        "escape_file.py": Expected(SkipReason.SYMLINK_OUTSIDE_ROOT, ("outside", "secret.py")),
        "escape_dir": Expected(SkipReason.SYMLINK_OUTSIDE_ROOT, ("outside",)),
    }
    if not IS_ROOT:  # root reads a mode-000 file anyway
        expected["locked.py"] = Expected(SkipReason.UNREADABLE, ("permission denied",))
    return root, expected


GOOD_FINDINGS = {
    ("good_a.py", 6, "py/weak-hash"),
    ("good_a.py", 7, "py/insecure-temp-file"),
    ("pkg/good_b.py", 5, "py/tls-verification-disabled"),
}


def test_library_scan_records_every_problem_and_keeps_good_findings(
    tmp_path: Path, write_tree: WriteTree
) -> None:
    root, expected = _build(tmp_path, write_tree)
    result = vulnhound.scan([root], Config())
    skipped = {s.path: s for s in result.skipped}
    assert set(skipped) == set(expected), f"skipped: {sorted(skipped)}"
    for path, want in expected.items():
        got = skipped[path]
        assert got.reason == want.reason, f"{path}: {got}"
        for word in want.detail:
            assert word in got.detail.lower(), f"{path}: detail {got.detail!r} lacks {word!r}"
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.active}
    expected_found = set(GOOD_FINDINGS)
    if IS_ROOT:
        expected_found.add(("locked.py", 2, "py/weak-hash"))
    assert found == expected_found  # nothing lost, nothing from outside the root or the huge file
    assert result.files_analyzed == (4 if IS_ROOT else 3)  # good_a, good_b, empty (+ locked)


def test_cli_outputs_name_every_skipped_path(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root, expected = _build(tmp_path, write_tree)
    text = cli("scan", root)
    assert text.returncode == 1, text.stderr  # the verify=False finding is high
    for path in expected:
        assert path in text.stdout, f"text output does not mention {path}"
    for path, line, rule in GOOD_FINDINGS:
        assert f"{path}:{line}" in text.stdout and rule in text.stdout
    proc = cli("scan", "-f", "json", root)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    skipped = {s["path"]: s for s in doc["skipped"]}
    assert set(skipped) == set(expected)
    for path, want in expected.items():
        assert skipped[path]["reason"] == want.reason.value
        assert skipped[path]["detail"]
    found = {(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in doc["findings"]}
    assert found >= GOOD_FINDINGS


def test_strict_exits_3_when_nothing_reaches_fail_on(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root, _ = _build(tmp_path, write_tree)
    assert cli("scan", root, "--fail-on", "critical").returncode == 0
    assert cli("scan", root, "--fail-on", "critical", "--strict").returncode == 3
    assert cli("scan", root, "--strict").returncode == 1  # a high finding outranks the skips


@pytest.mark.skipif(IS_ROOT, reason="root can read a mode-000 file")
def test_unreadable_file_alone(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": "x = 1\n"})
    (root / "a.py").chmod(0)
    result = vulnhound.scan([root], Config())
    assert [(s.path, s.reason) for s in result.skipped] == [("a.py", SkipReason.UNREADABLE)]


_CLEAN = re.compile(r"(?<![\d,])0 findings?\b|\bno findings\b|\bno issues\b", re.IGNORECASE)


def _nothing_readable(tmp_path: Path, write_tree: WriteTree) -> Path:
    return write_tree(
        tmp_path / "p",
        {"binary.py": b"\x00\x01\x02", "bad.py": b"x = '\xff'\n", "broken.py": "def f(:\n"},
    )


def test_nothing_analysed_json_and_strict(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = _nothing_readable(tmp_path, write_tree)
    proc = cli("scan", "-f", "json", root)
    assert proc.returncode == 3, proc.stderr  # nothing analysed is never a pass, strict or not
    doc = json.loads(proc.stdout)
    assert doc["findings"] == []
    assert doc["summary"]["files_analyzed"] == 0
    assert {s["path"] for s in doc["skipped"]} == {"binary.py", "bad.py", "broken.py"}
    assert cli("scan", root, "--strict").returncode == 3


def test_nothing_analysed_text_never_reads_as_clean(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = _nothing_readable(tmp_path, write_tree)
    text = cli("scan", root)
    assert text.returncode == 3, text.stderr
    for name in ("binary.py", "bad.py", "broken.py"):
        assert name in text.stdout
    assert not _CLEAN.search(text.stdout), f"reads as a clean result:\n{text.stdout}"


def test_file_that_crashes_an_analyzer_costs_only_itself(tmp_path: Path, write_tree: WriteTree) -> None:
    """Parses fine, but nesting this deep exhausts the stack of a recursive AST visitor."""
    root = write_tree(
        tmp_path / "p",
        {"deep.py": "x = f" + "()" * 1500 + "\n", "good_a.py": GOOD_A, "pkg/good_b.py": GOOD_B},
    )
    result = vulnhound.scan([root], Config())
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.active}
    assert found == GOOD_FINDINGS
    assert {s.path for s in result.skipped} <= {"deep.py"}
    for skip in result.skipped:
        assert skip.reason is SkipReason.ANALYZER_ERROR and skip.analyzer
        # The detail names the cause: a caught crash, or the analyzer's own depth guard.
        assert any(word in skip.detail.lower() for word in ("error", "nested", "recursion")), skip.detail


def test_hostile_codecs_and_notebooks_cost_only_themselves(tmp_path: Path, write_tree: WriteTree) -> None:
    """A coding declaration naming a non-text codec, and broken notebooks, next to good files."""
    notebook = {
        "nbformat": 4,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "source": ["!pip install x\n", "import hashlib\n", "hashlib.md5(b'')\n"]}
        ],
    }
    root = write_tree(
        tmp_path / "p",
        {
            "good_a.py": GOOD_A,
            "rot13.py": "# -*- coding: rot13 -*-\nvzcbeg bf\n",
            "zlib.py": "# coding: zlib\nx = 1\n",
            "deep.ipynb": '{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "typed.ipynb": json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}),
            "good.ipynb": json.dumps(notebook),
        },
    )
    result = vulnhound.scan([root], Config())
    assert {(s.path, s.reason) for s in result.skipped} == {
        ("rot13.py", SkipReason.DECODE_ERROR),
        ("zlib.py", SkipReason.DECODE_ERROR),
        ("deep.ipynb", SkipReason.SYNTAX_ERROR),
        ("typed.ipynb", SkipReason.DECODE_ERROR),
    }
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.active}
    assert found == {
        *((p, n, r) for p, n, r in GOOD_FINDINGS if p == "good_a.py"),
        ("good.ipynb", 4, "py/weak-hash"),
    }
    assert result.files_analyzed == 2
