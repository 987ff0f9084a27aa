"""Analyzer outputs as JSON and back, for the result cache.

JSON, never pickle: a cache file is data, and reading it must not be able to run code.
"""

from __future__ import annotations

from typing import Any

from vulnhound.findings import (
    CodeContext,
    Confidence,
    Finding,
    FlowStep,
    Location,
    Severity,
    Suppression,
    SuppressionKind,
    Triage,
    Verdict,
)
from vulnhound.sources import Skipped, SkipReason


def _location(loc: Location) -> list[Any]:
    return [loc.path, loc.start_line, loc.start_column, loc.end_line, loc.end_column]


def _from_location(data: list[Any]) -> Location:
    path, start_line, start_column, end_line, end_column = data
    return Location(str(path), int(start_line), int(start_column), int(end_line), int(end_column))


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule_id,
        "cwe": list(f.cwe),
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": f.message,
        "location": _location(f.location),
        "analyzers": list(f.analyzers),
        "flow": [[_location(s.location), s.note] for s in f.flow],
        "context": f.context,
        "snippet": f.snippet,
        "triage": None
        if f.triage is None
        else [f.triage.verdict.value, f.triage.rationale, f.triage.confidence, list(f.triage.models)],
        "suppression": None
        if f.suppression is None
        else [f.suppression.kind.value, f.suppression.justification],
        "properties": [list(p) for p in f.properties],
        "code_context": f.code_context.value,
    }


def finding_from_json(data: dict[str, Any]) -> Finding:
    triage = data["triage"]
    suppression = data["suppression"]
    return Finding(
        rule_id=str(data["rule"]),
        cwe=tuple(str(c) for c in data["cwe"]),
        severity=Severity(data["severity"]),
        confidence=Confidence(data["confidence"]),
        message=str(data["message"]),
        location=_from_location(data["location"]),
        analyzers=tuple(str(a) for a in data["analyzers"]),
        flow=tuple(FlowStep(_from_location(loc), str(note)) for loc, note in data["flow"]),
        context=str(data["context"]),
        snippet=str(data["snippet"]),
        triage=None
        if triage is None
        else Triage(Verdict(triage[0]), str(triage[1]), float(triage[2]), tuple(triage[3])),
        suppression=None
        if suppression is None
        else Suppression(SuppressionKind(suppression[0]), str(suppression[1])),
        properties=tuple((str(k), str(v)) for k, v in data["properties"]),
        code_context=CodeContext(data["code_context"]),
    )


def skipped_to_json(s: Skipped) -> list[str]:
    return [s.path, s.reason.value, s.detail, s.analyzer]


def skipped_from_json(data: list[Any]) -> Skipped:
    path, reason, detail, analyzer = data
    return Skipped(str(path), SkipReason(reason), str(detail), str(analyzer))
