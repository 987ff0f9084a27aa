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

_MARKER = re.compile(r"vulnhound:\s*ignore(?:\[(?P<ids>[^\]]*)\])?(?P<reason>[^#]*)", re.IGNORECASE)
_LINE_COMMENT = re.compile(r"(?:#|//)\s*(vulnhound:\s*ignore.*)$", re.IGNORECASE)


@dataclass
class SuppressionComment:
    path: str
    line: int
    ids: frozenset[str]  # normalised for matching; empty: everything on the line
    written: tuple[str, ...] = ()  # the ids as the author wrote them
    reason: str = ""  # free text after the marker: "# vulnhound: ignore[X] checked by hand"
    used: bool = field(default=False)

    @property
    def justification(self) -> str:
        scope = f"ignore[{', '.join(self.written)}]" if self.written else "ignore"
        return f"{self.reason} ({scope})" if self.reason else f"inline comment: {scope}"

    def covers(self, finding: Finding) -> bool:
        if not self.ids:
            return True
        rules = {finding.rule_id, *also_reported_as(finding)}
        return any(r.upper() in self.ids for r in rules) or any(c.upper() in self.ids for c in finding.cwe)


def also_reported_as(finding: Finding) -> list[str]:
    """Rule ids of findings merged into this one (see scanner._merge_duplicates)."""
    return [r for key, value in finding.properties if key == "also_reported_as" for r in value.split(",")]


def _parse(comment: str, path: str, line: int) -> SuppressionComment | None:
    match = _MARKER.search(comment)
    if match is None:
        return None
    written = tuple(p.strip() for p in (match.group("ids") or "").split(",") if p.strip())
    reason = match.group("reason").strip(" \t-:;,.")
    return SuppressionComment(path, line, frozenset(_normal_id(p) for p in written), written, reason)


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
                    comment = _parse(token.string, source.path, token.start[0])
                    if comment is not None:
                        found.append(comment)
            return found
        except (tokenize.TokenError, SyntaxError, IndentationError):
            found = []  # fall back to line matching for files the tokenizer rejects
    for number, line in enumerate(source.lines, start=1):
        match = _LINE_COMMENT.search(line)
        if match:
            comment = _parse(match.group(1), source.path, number)
            if comment is not None:
                found.append(comment)
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
