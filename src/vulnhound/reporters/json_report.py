"""JSON report: the whole result as a versioned document (format in docs/json-format.md).

The document is meant for machines, so it holds everything (suppressed findings, flows,
triage, fingerprints, skipped files) regardless of the display options; consumers filter.
Bump ``SCHEMA_VERSION``'s minor part for added fields and its major part for any change
that could break a reader.
"""

from __future__ import annotations

import json
import math
from typing import Any

from vulnhound.findings import Finding, Location
from vulnhound.reporters._common import (
    SEVERITIES,
    TOOL_NAME,
    clean,
    files_not_analysed,
    ordered,
    ordered_skipped,
    used_rules,
)
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ModelUsage, ScanResult
from vulnhound.rules.catalog import RuleInfo

SCHEMA_VERSION = "1.3"


def location_dict(loc: Location) -> dict[str, Any]:
    return {
        "path": loc.path,
        "start_line": loc.start_line,
        "start_column": loc.start_column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "cwe": list(f.cwe),
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": f.message,
        "location": location_dict(f.location),
        "analyzers": list(f.analyzers),
        "flow": [{"location": location_dict(s.location), "note": s.note} for s in f.flow],
        "context": f.context,
        "snippet": f.snippet,
        "triage": None
        if f.triage is None
        else {
            "verdict": f.triage.verdict.value,
            "rationale": f.triage.rationale,
            "confidence": _number(f.triage.confidence),
            "models": list(f.triage.models),
        },
        "suppressed": f.suppressed,
        "suppression": None
        if f.suppression is None
        else {"kind": f.suppression.kind.value, "justification": f.suppression.justification},
        "fingerprint": f.fingerprint,
        "line_hash": f.line_hash,
        "properties": dict(f.properties),
        "code_context": f.code_context.value,
    }


def rule_dict(rule: RuleInfo, catalogued: bool) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "cwe": list(rule.cwe),
        "severity": rule.severity.value,
        "confidence": rule.confidence.value,
        "security_severity": rule.security_severity,
        "short_description": rule.short_description,
        "full_description": rule.full_description,
        "help": rule.help_text,
        "tags": list(rule.tags),
        "analyzer": rule.analyzer,
        "catalogued": catalogued,
    }


def usage_dict(usage: ModelUsage) -> dict[str, Any]:
    return {
        "model": usage.model,
        "requests": usage.requests,
        "cached": usage.cached,
        "failures": usage.failures,
        "tokens_in": usage.tokens_in,
        "tokens_out": usage.tokens_out,
        "cost_usd": _number(usage.cost_usd),
        "bytes_sent": usage.bytes_sent,
    }


def summary_dict(result: ScanResult) -> dict[str, Any]:
    counts = result.severity_counts()
    return {
        "findings": len(result.active),
        "by_severity": {s.value: counts[s] for s in SEVERITIES},
        "by_context": {c.value: n for c, n in result.context_counts().items()},
        "suppressed": len(result.suppressed),
        "baseline_matched": result.baseline_matched,
        "below_threshold": result.below_threshold,
        "files_analyzed": result.files_analyzed,
        "lines_analyzed": result.lines_analyzed,
        "files_not_analyzed": files_not_analysed(result),
        "duration_s": _number(round(result.duration_s, 3)),
    }


def document(result: ScanResult) -> dict[str, Any]:
    """The report as plain JSON-ready data (also what tests validate against the schema)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
        "root": result.root,
        "targets": list(result.targets),
        "complete": not result.incomplete,
        "nothing_analysed": result.nothing_analysed,
        "diff": {"base": result.diff_base, "left_out": result.diff_hidden} if result.diff_base else None,
        "summary": summary_dict(result),
        "filters": {
            "min_severity": result.min_severity.value,
            "min_confidence": result.min_confidence.value,
        },
        "analyzers": list(result.analyzers),
        "findings": [finding_dict(f) for f in ordered(result.findings)],
        "skipped": [
            {"path": s.path, "reason": s.reason.value, "detail": s.detail, "analyzer": s.analyzer}
            for s in ordered_skipped(result.skipped)
        ],
        "unsupported_languages": [
            {"language": language, "files": count} for language, count in sorted(result.unsupported_languages)
        ],
        "unused_suppressions": [location_dict(loc) for loc in sorted(result.unused_suppressions)],
        "rules": [rule_dict(r, result.rule(r.id) is not None) for r in used_rules(result)],
        "model_usage": [usage_dict(u) for u in sorted(result.model_usage, key=lambda u: u.model)],
        "notes": list(result.notes),
        "extras": {str(key): _jsonable(value) for key, value in result.extras},
    }


def render_json(result: ScanResult, options: ReportOptions) -> str:
    return clean_json(document(result))


def clean_json(doc: Any) -> str:
    """Indented, key order as built, non-ASCII kept readable; ends with a newline."""
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    # Lone surrogates (from undecodable file names) cannot be written as UTF-8.
    return clean_surrogates(text) + "\n"


def clean_surrogates(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _number(value: float) -> float | None:
    """JSON has no NaN or infinity; such a value is reported as null."""
    return value if math.isfinite(value) else None


def _jsonable(value: object) -> Any:
    """Analyzer extras as JSON: containers kept, anything else as its string form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=str)
    return clean(str(value))
