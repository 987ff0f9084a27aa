"""Text report: grouped by severity, honest about what was not analysed, colour only on request."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from reporting_fixtures import (
    empty_result,
    hash_finding,
    many_skipped_result,
    nothing_analysed_result,
    rich_result,
    scanned_result,
)
from vulnhound.reporters import ReportOptions, render
from vulnhound.result import ScanResult

ANSI = re.compile(r"\x1b\[")
CLEAN = re.compile(r"(?<![\d,])0 findings?\b|\bno findings\b|\bno issues\b", re.IGNORECASE)


def text(result: object, **options: object) -> str:
    return render("text", result, ReportOptions(**options))  # type: ignore[arg-type]


def test_no_ansi_without_colour_and_ansi_with_it() -> None:
    plain = text(rich_result(), color=False)
    assert not ANSI.search(plain)
    # The hostile message's own escape sequence is neutralised too.
    assert "\\x1b[31mred" in plain
    coloured = text(rich_result(), color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", coloured)).replace(" ", "") != ""


def test_grouped_by_severity_critical_first() -> None:
    out = text(rich_result())
    headings = re.findall(r"^ ?(CRITICAL|HIGH|MEDIUM|LOW|INFO) \((\d+)\)", out, re.MULTILINE)
    assert headings == [("CRITICAL", "1"), ("HIGH", "1"), ("MEDIUM", "1"), ("INFO", "1")]
    positions = [out.index(f"{name} (") for name, _ in headings]
    assert positions == sorted(positions)
    sqli = out[out.index("CRITICAL (") : out.index("HIGH (")]
    assert "app/views.py:42:9" in sqli and "py/sql-injection" in sqli
    assert "CWE-89, CWE-943" in sqli and "confidence high" in sqli
    assert "cursor.execute(sql)" in sqli
    # The flow, source to sink, in order.
    steps = [sqli.index(s) for s in ("app/views.py:38:9", "app/util.py:7:5", "(sink)")]
    assert steps == sorted(steps) and "(source)" in sqli
    assert "triage: true positive" in sqli and "by glm, qwen" in sqli


def test_summary_line_counts() -> None:
    out = text(rich_result(), width=200)
    summary = " ".join(out.strip().split("\n\n")[-1].split())  # the last paragraph, unwrapped
    assert summary.startswith(
        "4 findings (1 critical, 1 high, 1 medium, 0 low, 1 info; 4 in production code)"
    )
    assert "3 suppressed" in summary and "2 matched the baseline" in summary
    assert "12 files (3456 lines) analysed in 1.25s" in summary
    assert "4 files NOT analysed" in summary
    assert summary.endswith("4 files with text checks only (go, javascript)")


def test_not_analysed_section_lists_every_skipped_file() -> None:
    result = rich_result()
    out = text(result, width=200)
    section = out[out.index("Not analysed") :]
    for skipped in result.skipped:
        line = next(line for line in section.splitlines() if skipped.path + ":" in line)
        assert skipped.reason.value in line and skipped.detail in line
    assert "javascript (3 files)" in section and "go (1 file)" in section
    assert "model glm did not analyse 3 units: policy" in out
    usage = out[out.index("Model usage") :]
    assert "12,345" in usage and "0.0123" in usage and "qwen" in usage


def test_many_skipped_files_are_grouped_by_reason() -> None:
    result = many_skipped_result(30)
    out = text(result, width=200)
    for reason in ("binary", "too-large", "unreadable"):
        assert re.search(rf"^  {reason} \(10\)$", out, re.MULTILINE), out
    assert all(s.path in out for s in result.skipped)


def test_nothing_analysed_never_reads_as_clean() -> None:
    out = text(nothing_analysed_result())
    assert "NOTHING WAS ANALYSED" in out
    assert not CLEAN.search(out), out
    assert "binary.py" in out and "bad.py" in out


def test_clean_scan_says_zero_findings() -> None:
    out = text(empty_result())
    assert out.strip().splitlines()[-1].startswith("0 findings")
    assert "3 files (60 lines) analysed" in out
    assert "NOT analysed" not in out


def test_suppressed_and_unused_suppressions_on_request() -> None:
    default = text(rich_result(), width=200)
    assert "app/old.py:5" not in default and "legacy checksum" not in default
    shown = text(rich_result(), width=200, show_unused_suppressions=True, show_suppressed=True)
    assert "app/old.py:5" in shown
    assert "legacy checksum, not security" in shown and "consensus" in shown


def test_hostile_text_is_inert_and_width_respected() -> None:
    out = text(rich_result(), width=80)
    assert "[bold]request[/bold]" in out  # printed as text, not interpreted as markup
    assert "caf\u00e9 \u6f22\u5b57" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_real_scan(tmp_path: Path) -> None:
    out = text(scanned_result(tmp_path), width=200)
    assert "client.py:7" in out and "py/weak-hash" in out
    assert out.index("HIGH (") < out.index("MEDIUM (")
    assert "1 file (8 lines) analysed" in out


def _with_snippet(snippet: str) -> ScanResult:
    return replace(empty_result(), findings=(replace(hash_finding(), snippet=snippet),))


def test_long_code_lines_wrap_behind_the_gutter() -> None:
    """Every row of a quoted line keeps the gutter at its indent; nothing flows back to the
    margin, nothing is lost, and the width is respected (wide characters included)."""
    code = "digest = hashlib.md5(" + " + ".join(f"part_{n:02}" for n in range(30)) + ")"
    snippet = code + "\n\tsecond = call(" + "x" * 90 + ")"
    for width in (40, 50, 73):
        out = text(_with_snippet(snippet), width=width)
        rows = [row for row in out.splitlines() if "\u2502" in row]
        assert len(rows) > 4, out  # both lines wrapped, behind the gutter
        assert all(row.startswith("      \u2502 ") for row in rows), out
        assert max(len(row) for row in out.splitlines()) <= width
        pieces = [row[len("      \u2502 ") :] for row in rows]
        joined = "".join(p.removeprefix("\u21aa ") if p.startswith("\u21aa ") else "\n" + p for p in pieces)
        assert joined.lstrip("\n") == snippet.expandtabs(4)
    wide = text(_with_snippet("s = '" + "\u6f22" * 60 + "'"), width=50)
    assert all(len(row) + row.count("\u6f22") <= 50 for row in wide.splitlines())
    assert wide.count("\u21aa") >= 2


def test_quiet_lists_findings_only_but_never_hides_an_empty_scan() -> None:
    quiet = text(rich_result(), width=200, quiet=True)
    assert "py/sql-injection" in quiet and "app/views.py:42:9" in quiet
    for chatter in ("Not analysed", "Notes", "Model usage", "analysed in", "javascript"):
        assert chatter not in quiet
    assert text(empty_result(), quiet=True) == ""
    assert "NOTHING WAS ANALYSED" in text(nothing_analysed_result(), quiet=True)


def test_not_analysed_lines_wrap_under_their_own_indent() -> None:
    from vulnhound.sources import Skipped, SkipReason

    detail = "taint analysis exceeded the per-file timeout of 20s " * 3
    result = replace(
        rich_result(), skipped=(Skipped("pkg/very/slow_module.py", SkipReason.TIMEOUT, detail, "engine"),)
    )
    out = text(result, width=60)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  pkg/very/slow_module.py"))
    wrapped = lines[start + 1 : start + 3]
    assert wrapped and all(line.startswith("  ") and line.strip() for line in wrapped), lines[
        start : start + 4
    ]
