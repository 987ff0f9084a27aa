"""All four reporters: registered, deterministic, and robust to odd results."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from reporting_fixtures import ALL_RESULTS, odd_result, rich_result
from vulnhound.reporters import FORMATS, ReportOptions, render

OPTION_SETS = [
    ReportOptions(),
    ReportOptions(color=True, width=60, show_unused_suppressions=True, show_suppressed=True),
]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", sorted(ALL_RESULTS))
def test_same_result_same_bytes_whatever_the_input_order(fmt: str, name: str) -> None:
    result = ALL_RESULTS[name]()
    shuffled = list(result.findings)
    random.Random(7).shuffle(shuffled)
    skipped = list(reversed(result.skipped))
    other = replace(result, findings=tuple(shuffled), skipped=tuple(skipped))
    for options in OPTION_SETS:
        first = render(fmt, result, options)
        assert first and first == render(fmt, result, options) == render(fmt, other, options)
        assert first.endswith("\n")
        first.encode("utf-8")  # writable as UTF-8


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_odd_text_everywhere(fmt: str) -> None:
    """Hostile text in every field: output is UTF-8, parseable, and free of raw escapes."""
    for options in OPTION_SETS:
        out = render(fmt, odd_result(), options)
        out.encode("utf-8")
        if fmt in {"json", "sarif"}:
            json.loads(out)
        if not options.color:
            assert "\x1b" not in out
        assert "\x00" not in out


def test_unknown_format_is_a_usage_error() -> None:
    from vulnhound.errors import UsageError

    with pytest.raises(UsageError, match="unknown output format"):
        render("yaml", rich_result())
