"""Inline suppression comments, read with the tokenizer; kept, marked and counted, never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree
from vulnhound import Config, scan
from vulnhound.findings import SuppressionKind

HEADER = "import hashlib\n\n\n"


def _scan_one(tmp_path: Path, body: str, **config: object) -> tuple[list[str], list[str]]:
    """(active rule ids, suppressed rule ids) for a file made of HEADER + body."""
    (tmp_path / "m.py").write_text(HEADER + body)
    result = scan([tmp_path], Config(**config))  # type: ignore[arg-type]
    return [f.rule_id for f in result.active], [f.rule_id for f in result.suppressed]


@pytest.mark.parametrize(
    "comment",
    [
        "# vulnhound: ignore",
        "# vulnhound:ignore",
        "# vulnhound: ignore[py/weak-hash]",
        "# vulnhound: ignore[CWE-328]",
        "# vulnhound: ignore[cwe-327]",  # any of the finding's CWEs, case-insensitive
        "# vulnhound: ignore[py/sql-injection, CWE-328]",
        "# reviewed by sec team; vulnhound: ignore[py/weak-hash]",
    ],
)
def test_matching_comment_suppresses(tmp_path: Path, comment: str) -> None:
    active, suppressed = _scan_one(tmp_path, f"h = hashlib.md5(b'x')  {comment}\n")
    assert (active, suppressed) == ([], ["py/weak-hash"])


@pytest.mark.parametrize(
    "comment",
    ["# vulnhound: ignore[py/sql-injection]", "# vulnhound: ignore[CWE-89]", "# vulnhound: ignore[CWE-3280]"],
)
def test_wrong_id_does_not_suppress(tmp_path: Path, comment: str) -> None:
    active, suppressed = _scan_one(tmp_path, f"h = hashlib.md5(b'x')  {comment}\n")
    assert (active, suppressed) == (["py/weak-hash"], [])


def test_comment_on_another_line_does_not_suppress(tmp_path: Path) -> None:
    body = "# vulnhound: ignore\nh = hashlib.md5(b'x')\nx = 1  # vulnhound: ignore\n"
    assert _scan_one(tmp_path, body) == (["py/weak-hash"], [])


def test_marker_inside_string_literals_does_nothing(tmp_path: Path) -> None:
    body = (
        "h = hashlib.md5(b'# vulnhound: ignore')\n"
        "g = hashlib.md5('''\n# vulnhound: ignore\n'''.encode())\n"
        'k = hashlib.sha1(f"{1}  # vulnhound: ignore[CWE-328]".encode())\n'
    )
    active, suppressed = _scan_one(tmp_path, body)
    assert (active, suppressed) == (["py/weak-hash"] * 3, [])


def test_multiline_call_suppressed_on_its_last_line(tmp_path: Path) -> None:
    body = "h = hashlib.md5(\n    b'x',\n)  # vulnhound: ignore[py/weak-hash]\n"
    assert _scan_one(tmp_path, body) == ([], ["py/weak-hash"])


def test_suppressed_findings_are_kept_marked_and_counted(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        HEADER + "a = hashlib.md5(b'a')  # vulnhound: ignore[CWE-328]\nb = hashlib.md5(b'b')\n"
    )
    result = scan([tmp_path], Config())
    assert len(result.findings) == 2
    assert len(result.suppressed) == 1 and len(result.active) == 1
    hidden = result.suppressed[0]
    assert hidden.location.start_line == 4
    assert hidden.suppression is not None and hidden.suppression.kind is SuppressionKind.INLINE
    assert "CWE-328" in hidden.suppression.justification
    assert result.severity_counts()[hidden.severity] == 1  # counts cover active findings only


def test_json_keeps_suppressed_and_no_suppressions_flag(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"m.py": HEADER + "h = hashlib.md5(b'x')  # vulnhound: ignore\n"})
    proc = cli("scan", "-f", "json", "--fail-on", "medium", root)
    assert proc.returncode == 0  # the only finding is suppressed
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule_id"], f["suppressed"]) for f in findings] == [("py/weak-hash", True)]
    text = cli("scan", "--fail-on", "medium", root)
    assert "m.py:4" not in text.stdout  # suppressed findings are not listed as active
    off = cli("scan", "-f", "json", "--fail-on", "medium", "--no-suppressions", root)
    assert off.returncode == 1
    assert [f["suppressed"] for f in json.loads(off.stdout)["findings"]] == [False]
    env = cli("scan", "--fail-on", "medium", root, env={"VULNHOUND_SUPPRESSIONS": "false"})
    assert env.returncode == 1


UNUSED_BODY = (
    "h = hashlib.md5(b'x')  # vulnhound: ignore\n"  # line 4: used
    "x = 1  # vulnhound: ignore[CWE-89]\n"  # line 5: nothing to suppress
    "y = hashlib.sha1(b'y')  # vulnhound: ignore[py/other]\n"  # line 6: wrong id, unused
)


def test_unused_suppressions_in_the_result(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(HEADER + UNUSED_BODY)
    result = scan([tmp_path], Config())
    assert sorted((loc.path, loc.start_line) for loc in result.unused_suppressions) == [
        ("m.py", 5),
        ("m.py", 6),
    ]
    assert [f.location.start_line for f in result.active] == [6]


def test_unused_suppressions_reported_on_request(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"m.py": HEADER + UNUSED_BODY})
    assert "m.py:5" not in cli("scan", root).stdout
    reported = cli("scan", "--report-unused-suppressions", root)
    assert "m.py:5" in reported.stdout, reported.stdout
    assert "m.py:4" not in reported.stdout  # the used one is not listed


def test_file_the_tokenizer_rejects_falls_back_to_line_comments(tmp_path: Path) -> None:
    from vulnhound.sources import SourceFile
    from vulnhound.suppressions import find_comments

    text = "x = '''unterminated\nh = md5(b'x')  # vulnhound: ignore[CWE-328]\n"
    comments = find_comments(SourceFile("m.py", str(tmp_path / "m.py"), "python", text))
    assert [(c.line, sorted(c.ids)) for c in comments] == [(2, ["CWE-328"])]


def test_merged_findings_share_one_identity_and_suppression(tmp_path: Path) -> None:
    """The engine and a call pattern flagging one yaml.load are one finding; a comment
    naming either rule suppresses it."""
    (tmp_path / "app.py").write_text(
        "import yaml\n"
        "from flask import request\n"
        "def f():\n"
        "    return yaml.load(request.data)  # vulnhound: ignore[py/unsafe-yaml-load]\n"
        "def g():\n"
        "    return yaml.load(request.data)\n"
    )
    result = scan([tmp_path], Config())
    at_line = {f.location.start_line: f for f in result.findings if "CWE-502" in f.cwe}
    assert sorted(at_line) == [4, 6]
    assert len([f for f in result.findings if "CWE-502" in f.cwe]) == 2
    assert set(at_line[6].analyzers) == {"engine", "patterns"}
    assert at_line[4].suppressed and not at_line[6].suppressed


def test_justification_keeps_the_authors_words_and_ids(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "import hashlib\n"
        "a = hashlib.md5(b'')  # vulnhound: ignore[py/weak-hash] ETag only, not security\n"
        "b = hashlib.md5(b'')  # vulnhound: ignore[CWE-328]\n"
        "c = hashlib.md5(b'')  # vulnhound: ignore[py/no-such-rule] typo\n"
    )
    result = scan([tmp_path], Config())
    by_line = {f.location.start_line: f for f in result.findings}
    first, second = by_line[2].suppression, by_line[3].suppression
    assert first is not None and first.justification == "ETag only, not security (ignore[py/weak-hash])"
    assert second is not None and second.justification == "inline comment: ignore[CWE-328]"
    assert not by_line[4].suppressed
    assert result.notes == ("m.py:4: suppression names unknown rule 'py/no-such-rule'",)
