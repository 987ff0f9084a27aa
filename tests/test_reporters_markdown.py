"""Markdown report: a PR comment whose tables survive hostile text."""

from __future__ import annotations

import re
from pathlib import Path

from reporting_fixtures import (
    empty_result,
    many_skipped_result,
    nothing_analysed_result,
    rich_result,
    scanned_result,
)
from vulnhound.reporters import ReportOptions, render
from vulnhound.reporters.markdown import MAX_MESSAGE, code, escape
from vulnhound.result import ScanResult

CLEAN = re.compile(r"(?<![\d,])0 findings?\b|\bno findings\b|\bno issues\b", re.IGNORECASE)


def markdown(result: ScanResult, **options: bool) -> str:
    return render("markdown", result, ReportOptions(**options))


def _cells(row: str) -> list[str]:
    """Split a table row on unescaped pipes, as GitHub does."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def _table_rows(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_heading_and_summary_table() -> None:
    out = markdown(rich_result())
    assert out.startswith(
        "## \u274c vulnhound: 4 findings (1 critical, 1 high, 1 medium, 1 info; 4 in production code)"
    )
    assert "4 files could not be analysed" in out
    summary = {
        _cells(r)[0].strip(): _cells(r)[1].strip() for r in _table_rows(out, "| Severity | Findings |")
    }
    assert summary["Critical"] == "1" and summary["Low"] == "0" and summary["**Total**"] == "**4**"
    assert summary["Suppressed"] == "3" and summary["Matched baseline"] == "2"
    assert summary["Files not analysed"] == "4"


def test_findings_table_escapes_pipes_and_newlines() -> None:
    out = markdown(rich_result())
    rows = _table_rows(out, "| Severity | Rule | CWE | Location | Context | Message |")
    assert len(rows) == 4  # suppressed findings are not in the table
    assert all(len(_cells(r)) == 6 for r in rows), rows
    assert [_cells(r)[0].strip() for r in rows] == ["critical", "high", "medium", "info"]
    model = next(r for r in rows if "model/path-traversal" in r)
    location, message = _cells(model)[3], _cells(model)[5]
    assert "app/files\\|odd `name`.py:3" in location and location.strip().startswith("``")
    assert "x \\| y" in message and "second line \\| pipe" in message
    assert "<script>" not in out and "&lt;script&gt;" in message
    assert "\\x1b" in message and "\x1b" not in out
    assert "triage: uncertain" in message
    long_row = next(r for r in rows if "py/long" in r)
    assert len(_cells(long_row)[5]) < MAX_MESSAGE * 2
    assert "\u2026" in long_row


def test_flows_in_collapsible_details() -> None:
    out = markdown(rich_result())
    details = re.findall(r"<details><summary>(.*?)</summary>\n\n(.*?)\n\n</details>", out, re.DOTALL)
    assert len(details) == 1
    summary, steps = details[0]
    assert "py/sql-injection" in summary and "app/views.py:42" in summary
    assert steps.splitlines() == [
        "1. `app/views.py:38:9` \u2014 request.args.get('q')",
        "2. `app/util.py:7:5` \u2014 formatted into sql",
        "3. `app/views.py:42:9` \u2014 cursor.execute(sql)",
    ]


def test_not_analysed_model_usage_and_notes() -> None:
    result = rich_result()
    out = markdown(result)
    rows = _table_rows(out, "| Path | Reason | Detail |")
    assert sorted(_cells(r)[0].strip().strip("`") for r in rows) == sorted(s.path for s in result.skipped)
    assert (
        "Text checks only (secrets, AI-directed text), no vulnerability analysis: "
        "go (1 file), javascript (3 files)" in out
    )
    usage = _table_rows(out, "| Model | Requests | Cached | Failures | Tokens in | Tokens out | Cost (USD) |")
    assert [_cells(r)[0].strip() for r in usage] == ["`glm`", "`qwen`"]
    assert "12,345" in usage[0] and "0.0123" in usage[0]
    assert "- model glm did not analyse 3 units: policy" in out


def test_nothing_analysed_is_not_clean() -> None:
    out = markdown(nothing_analysed_result())
    assert out.startswith("## \u26a0\ufe0f vulnhound: nothing was analysed")
    assert not CLEAN.search(out), out
    assert "binary.py" in out and "bad.py" in out


def test_clean_and_many_skipped() -> None:
    assert markdown(empty_result()).startswith("## \u2705 vulnhound: no findings in 3 files")
    out = markdown(many_skipped_result(30))
    assert len(_table_rows(out, "| Path | Reason | Detail |")) == 30


def test_unused_and_suppressed_on_request() -> None:
    assert "app/old.py:5" not in markdown(rich_result())
    out = markdown(rich_result(), show_unused_suppressions=True, show_suppressed=True)
    assert "- `app/old.py:5`" in out
    assert "### Suppressed (3)" in out and "legacy checksum, not security" in out


def test_escape_helpers() -> None:
    assert escape("a|b\nc") == "a\\|b c"
    assert escape("*x* _y_ [l](u) <b>") == "\\*x\\* \\_y\\_ \\[l\\](u) &lt;b&gt;"
    assert code("a`b") == "``a`b``"
    assert code("`") == "`` ` ``"
    assert code("p|q") == "`p\\|q`" and code("p|q", table=False) == "`p|q`"


def test_real_scan(tmp_path: Path) -> None:
    out = markdown(scanned_result(tmp_path))
    assert out.startswith("## \u274c vulnhound: 2 findings (1 high, 1 medium; 2 in production code)")
    assert "`client.py:7`" in out and "`client.py:8`" in out
