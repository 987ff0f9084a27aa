"""Every planted secret of the corpus is found: in its file, and in the prompt form.

Redaction scans each file with its own language and without one, then hides the union of
what both find; payload strings are scanned without a language, and code reaches them with
line-number prefixes. So each secret must be covered both ways, each on its own.
"""

from __future__ import annotations

import collections
import posixpath

import pytest
from secret_corpus import CASES, SecretCase

from vulnhound.guard.secrets import (
    SecretDetector,
    _anchored_matches,
    _line_anchored_matches,
    _token_runs,
    offsets_agree,
)
from vulnhound.languages import language_from_extension
from vulnhound.models.prompts import numbered


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _pieces(secret: str) -> list[str]:
    """The parts of a secret that a line-by-line form still holds: its non-empty lines."""
    return [line.strip() for line in secret.split("\n") if line.strip()]


def _uncovered(text: str, spans: list[tuple[int, int]], secrets: tuple[str, ...]) -> list[str]:
    """Pieces of ``secrets`` with an occurrence in ``text`` that ``spans`` leave (partly) visible."""
    missing: list[str] = []
    for secret in secrets:
        for piece in _pieces(secret):
            at = text.find(piece)
            assert at >= 0, f"{piece!r} is not in the text"
            while at >= 0:
                if not _covered(spans, at, at + len(piece)):
                    missing.append(piece)
                    break
                at = text.find(piece, at + 1)
    return missing


def _spans(text: str, language: str | None) -> list[tuple[int, int]]:
    detector = SecretDetector.default()
    found = detector.find_all(text, language)
    if language is not None:
        found += detector.find_all(text, None)
    return _merged([(m.start, m.end) for m in found])


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    languages = collections.Counter(language_from_extension(posixpath.basename(c.path)) for c in CASES)
    for language in ("python", "javascript", "typescript", "java", "go", "php", "ruby", "shell"):
        assert languages[language] >= 1, language
    for language in ("yaml", "ini", "dotenv", "toml", "xml", "json", "netrc", "pgpass", "dockerfile", "pem"):
        assert languages[language] >= 1, language


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_secret_is_covered_in_its_file(case: SecretCase) -> None:
    language = language_from_extension(posixpath.basename(case.path))
    spans = _spans(case.text, language)
    assert _uncovered(case.text, spans, case.secrets) == [], (language, case.text)


@pytest.mark.parametrize("first", [1, 998])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_secret_is_covered_in_the_prompt_form(case: SecretCase, first: int) -> None:
    """Without a language, with line-number prefixes (``numbered``, as prompts show code)."""
    text = numbered(case.text.split("\n"), first)
    spans = _spans(text, None)
    assert _uncovered(text, spans, case.secrets) == [], text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_secret_is_covered_with_four_wide_prefixes(case: SecretCase) -> None:
    text = "\n".join(f"{n:>4} | {line}" for n, line in enumerate(case.text.split("\n"), 1))
    assert _uncovered(text, _spans(text, None), case.secrets) == [], text


def test_fast_paths_find_what_the_regexes_find_on_the_corpus() -> None:
    """Anchored, line-anchored and token detectors only try some places: never fewer matches."""
    detector = SecretDetector.default()
    texts = [c.text for c in CASES] + [numbered(c.text.split("\n"), 7) for c in CASES]
    for text in texts:
        lowered = text.lower()
        aligned = offsets_agree(text, lowered)
        runs = _token_runs(text)
        in_runs = "\n".join(text[a:b] for a, b in runs).lower()
        for det in detector._detectors:
            expected = [(m.span(), m.group(0)) for m in det.regex.finditer(text)]
            if det.anchored:
                # As find_all does: a token detector's words are looked for in the runs only.
                words = tuple(w for w in det.requires if w in (in_runs if det.token else lowered))
                fast = _anchored_matches(det, text, lowered, aligned, words)
            elif det.line_anchored:
                fast = _line_anchored_matches(det, text, lowered, aligned)
            elif det.token:
                fast = (m for a, b in runs for m in det.regex.finditer(text, a, b))
            else:
                continue
            assert [(m.span(), m.group(0)) for m in fast] == expected, (det.kind, text)
