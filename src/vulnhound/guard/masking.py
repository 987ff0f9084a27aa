"""Secrets out of reports: the code a report quotes is masked like the secrets analyzer's.

A finding of any analyzer (the engine, a pattern, a model) may sit on a line that holds a
credential; its snippet must not print it. The detectors redaction uses run over the whole
file (with its language and without), since a line alone may not show that it holds a
secret (the second line of ``TOKEN = (\\n "glpat-..."``, a line inside a PEM block), and
every part of a quoted line inside a detection is replaced by a masked form.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from vulnhound.guard.redact import merge
from vulnhound.guard.secrets import SecretDetector

MAX_SNIPPET = 400  # characters of a quoted line; the rest is cut, not printed


def _line_starts(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def masked_lines(text: str, language: str | None, numbers: Iterable[int]) -> dict[int, str]:
    """The 1-based lines ``numbers`` of ``text`` with every secret masked, cut to MAX_SNIPPET."""
    wanted = sorted(set(numbers))
    starts = _line_starts(text)
    detector = SecretDetector.default()
    matches = list(detector.find_all(text, language))
    if language is not None:
        matches += detector.find_all(text, None)
    spans = merge((m.start, m.end) for m in matches)
    begins = [start for start, _ in spans]
    out: dict[int, str] = {}
    for number in wanted:
        if not 1 <= number <= len(starts):
            continue
        line_start = starts[number - 1]
        line_end = starts[number] - 1 if number < len(starts) else len(text)
        pieces: list[str] = []
        position = line_start
        index = max(0, bisect.bisect_right(begins, line_start) - 1)
        while index < len(spans) and spans[index][0] < line_end:
            start, end = spans[index]
            index += 1
            if end <= line_start:
                continue
            start, stop = max(start, line_start), min(end, line_end)
            pieces.append(text[position:start])
            pieces.append(_masked(stop - start))
            position = stop
        pieces.append(text[position:line_end])
        line = "".join(pieces).rstrip("\r")
        out[number] = line if len(line) <= MAX_SNIPPET else line[: MAX_SNIPPET - 1] + "\u2026"
    return out


# Known secrets shorter than this are not searched for in other text: too many false hits.
MIN_KNOWN_SECRET = 6


def _masked(length: int) -> str:
    return f"{'*' * 8} ({length} characters)"


def _secret_spans(text: str, language: str | None) -> list[tuple[int, int]]:
    detector = SecretDetector.default()
    matches = list(detector.find_all(text, language))
    if language is not None:
        matches += detector.find_all(text, None)
    return [(m.start, m.end) for m in matches]


def secret_values(text: str, language: str | None) -> frozenset[str]:
    """The secrets the detectors find in a file: what another tool may quote out of context."""
    return frozenset(
        value
        for start, end in _secret_spans(text, language)
        if len(value := text[start:end]) >= MIN_KNOWN_SECRET
    )


def masked_text(text: str, known: Iterable[str] = ()) -> str:
    """Free text (another tool's message) with every secret masked as report snippets are:
    what the detectors find in it, and every occurrence of a ``known`` value, since a tool
    quotes a secret without what gave it away ("hardcoded password: 'Xk9...'")."""
    spans = _secret_spans(text, None)
    for value in known:
        at = text.find(value)
        while at >= 0:
            spans.append((at, at + len(value)))
            at = text.find(value, at + 1)
    out: list[str] = []
    position = 0
    for start, end in merge(spans):
        out += [text[position:start], _masked(end - start)]
        position = end
    return "".join(out) + text[position:]
