"""Finding identity that survives unrelated edits.

The key hashes the rule, the file, the syntactic context the analyzer gives (e.g. the
enclosing function) and the whitespace-normalised text of the finding's line, never its
line number; identical keys in one file are told apart by their order. Adding or
removing lines above a finding therefore leaves its fingerprint unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from vulnhound.findings import Finding


def normalize(text: str) -> str:
    return " ".join(text.split())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def assign(
    findings: Iterable[Finding],
    line_text: dict[tuple[str, int], str],
    snippets: dict[tuple[str, int], str] | None = None,
) -> list[Finding]:
    """Return the findings with ``fingerprint``, ``line_hash`` and ``snippet`` filled in.

    ``line_text`` maps (path, line) to that line's source text, which identity hashes;
    ``snippets`` to the text a report may quote (secrets masked), default the same.
    """
    quoted = line_text if snippets is None else snippets
    from dataclasses import replace

    ordered = sorted(
        findings, key=lambda f: (f.location.path, f.location.start_line, f.location.start_column, f.rule_id)
    )
    key_counts: dict[str, int] = {}
    line_counts: dict[str, int] = {}
    out: list[Finding] = []
    for finding in ordered:
        loc = finding.location
        text = normalize(line_text.get((loc.path, loc.start_line), finding.snippet))
        key = _digest("v1", finding.rule_id, loc.path, finding.context, text)
        occurrence = key_counts.get(key, 0)
        key_counts[key] = occurrence + 1
        line_key = _digest(loc.path, text)[:16]
        line_occurrence = line_counts.get(line_key, 0) + 1
        line_counts[line_key] = line_occurrence
        out.append(
            replace(
                finding,
                fingerprint=f"{key[:32]}:{occurrence}",
                line_hash=f"{line_key}:{line_occurrence}",
                snippet=finding.snippet or quoted.get((loc.path, loc.start_line), "").strip(),
            )
        )
    return out
