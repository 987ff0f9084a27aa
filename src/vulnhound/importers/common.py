"""Helpers shared by the importers: CWE extraction, severities and paths."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlparse

from vulnhound.findings import Confidence, Location, Severity

# "CWE-89", "cwe-089: Improper ...", "external/cwe/cwe-089", "CWE89"
_CWE = re.compile(r"(?i)\bcwe[-_/: ]?0*(\d+)")


def cwe_ids(values: Iterable[Any]) -> tuple[str, ...]:
    """Every CWE id mentioned in ``values`` (strings or integers), normalised, in order."""
    found: list[str] = []
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            found.append(f"CWE-{value}")
        elif isinstance(value, str):
            if value.strip().isdigit():
                found.append(f"CWE-{int(value)}")
            found.extend(f"CWE-{int(m)}" for m in _CWE.findall(value))
    return tuple(dict.fromkeys(found))


def severity_of(value: Any, default: Severity = Severity.MEDIUM) -> Severity:
    text = str(value or "").lower()
    mapping = {
        "critical": Severity.CRITICAL,
        "error": Severity.HIGH,
        "high": Severity.HIGH,
        "warning": Severity.MEDIUM,
        "medium": Severity.MEDIUM,
        "note": Severity.LOW,
        "low": Severity.LOW,
        "info": Severity.INFO,
        "none": Severity.INFO,
        "undefined": Severity.INFO,
    }
    return mapping.get(text, default)


def confidence_of(value: Any, default: Confidence = Confidence.MEDIUM) -> Confidence:
    text = str(value or "").lower()
    return {"high": Confidence.HIGH, "medium": Confidence.MEDIUM, "low": Confidence.LOW}.get(text, default)


def uri_to_path(uri: str) -> str:
    """A SARIF URI or a tool's path as a POSIX path string (``file:///a/b.py`` -> ``/a/b.py``)."""
    if uri.startswith("file:"):
        parsed = urlparse(uri)
        return unquote(parsed.path)
    return unquote(uri).replace("\\", "/")


def location(path: str, line: Any, column: Any = 1, end_line: Any = 0, end_column: Any = 0) -> Location:
    """A location that never fails on a tool's zero or missing line numbers."""

    def positive(value: Any, fallback: int) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else fallback

    start = positive(line, 1)
    end = positive(end_line, start)
    return Location(
        path or "<unknown>", start, positive(column, 1), max(end, start), positive(end_column, 0) or 0
    )
