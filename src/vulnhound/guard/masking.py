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
            pieces.append(f"{'*' * 8} ({stop - start} characters)")
            position = stop
        pieces.append(text[position:line_end])
        line = "".join(pieces).rstrip("\r")
        out[number] = line if len(line) <= MAX_SNIPPET else line[: MAX_SNIPPET - 1] + "\u2026"
    return out
