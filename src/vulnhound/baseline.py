"""Baselines: accept today's findings so that CI reports only new ones.

Matching is by line-independent fingerprint, so code moving around does not resurface
an accepted finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vulnhound.errors import BaselineError
from vulnhound.findings import Finding

BASELINE_VERSION = 1


@dataclass(frozen=True)
class Baseline:
    fingerprints: frozenset[str]
    source: str = ""

    def __contains__(self, finding: object) -> bool:
        return isinstance(finding, Finding) and finding.fingerprint in self.fingerprints


def baseline_document(findings: Iterable[Finding], tool_version: str) -> dict[str, Any]:
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "path": f.location.path,
            "line": f.location.start_line,
            "message": f.message,
        }
        for f in findings
        if not f.suppressed
    ]
    return {
        "version": BASELINE_VERSION,
        "tool": "vulnhound",
        "tool_version": tool_version,
        "findings": entries,
    }


def load_baseline(path: Path) -> Baseline:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("tool") != "vulnhound":
        raise BaselineError(f'{path}: not a vulnhound baseline (missing "tool": "vulnhound")')
    if doc.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {doc.get('version')!r}")
    entries = doc.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' must be a list")
    prints: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: findings[{index}] has no string 'fingerprint'")
        prints.add(entry["fingerprint"])
    return Baseline(frozenset(prints), str(path))
