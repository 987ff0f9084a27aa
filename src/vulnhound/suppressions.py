"""Inline suppression comments: ``# vulnhound: ignore`` and ``# vulnhound: ignore[ID, CWE-89]``.

Python comments are found with the tokenizer, so the marker inside a string literal does
nothing. Other languages use a line comment match (``#`` or ``//``).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from vulnhound.findings import Finding
from vulnhound.sources import SourceFile

_MARKER = re.compile(r"vulnhound:\s*ignore(?:\[(?P<ids>[^\]]*)\])?", re.IGNORECASE)
_LINE_COMMENT = re.compile(r"(?:#|//)\s*(vulnhound:\s*ignore(?:\[[^\]]*\])?)", re.IGNORECASE)


@dataclass
class SuppressionComment:
    path: str
    line: int
    ids: frozenset[str]  # empty: everything on the line
    used: bool = field(default=False)

    def covers(self, finding: Finding) -> bool:
        if not self.ids:
            return True
        rules = {finding.rule_id, *also_reported_as(finding)}
        return any(r.upper() in self.ids for r in rules) or any(c.upper() in self.ids for c in finding.cwe)


def also_reported_as(finding: Finding) -> list[str]:
    """Rule ids of findings merged into this one (see scanner._merge_duplicates)."""
    return [r for key, value in finding.properties if key == "also_reported_as" for r in value.split(",")]


def _parse(comment: str) -> frozenset[str] | None:
    match = _MARKER.search(comment)
    if match is None:
        return None
    ids = match.group("ids")
    if ids is None:
        return frozenset()
    return frozenset(_normal_id(part) for part in ids.split(",") if part.strip())


def _normal_id(text: str) -> str:
    value = text.strip().upper()
    if value.startswith("CWE-") and value[4:].isdigit():
        return f"CWE-{int(value[4:])}"
    return value


def find_comments(source: SourceFile) -> list[SuppressionComment]:
    if "vulnhound" not in source.text.lower():
        return []  # the cheap common case
    found: list[SuppressionComment] = []
    if source.language == "python":
        try:
            for token in tokenize.generate_tokens(io.StringIO(source.text).readline):
                if token.type == tokenize.COMMENT:
                    ids = _parse(token.string)
                    if ids is not None:
                        found.append(SuppressionComment(source.path, token.start[0], ids))
            return found
        except (tokenize.TokenError, SyntaxError, IndentationError):
            found = []  # fall back to line matching for files the tokenizer rejects
    for number, line in enumerate(source.lines, start=1):
        match = _LINE_COMMENT.search(line)
        if match:
            ids = _parse(match.group(1))
            if ids is not None:
                found.append(SuppressionComment(source.path, number, ids))
    return found


class SuppressionIndex:
    """All suppression comments of a scan, by file and line."""

    def __init__(self) -> None:
        self._by_line: dict[tuple[str, int], list[SuppressionComment]] = {}
        self.comments: list[SuppressionComment] = []

    def add_file(self, source: SourceFile) -> None:
        for comment in find_comments(source):
            self.comments.append(comment)
            self._by_line.setdefault((comment.path, comment.line), []).append(comment)

    def match(self, finding: Finding) -> SuppressionComment | None:
        """The comment suppressing this finding on its first or last line, if any."""
        loc = finding.location
        for line in dict.fromkeys((loc.start_line, loc.end_line)):
            for comment in self._by_line.get((loc.path, line), ()):
                if comment.covers(finding):
                    comment.used = True
                    return comment
        return None

    def unused(self) -> list[SuppressionComment]:
        return [c for c in self.comments if not c.used]
