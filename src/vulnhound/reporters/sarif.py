"""SARIF 2.1.0 report, shaped for GitHub code scanning and validated against the OASIS schema.

Paths stay relative to ``%SRCROOT%`` (declared in ``originalUriBaseIds``) so the file can be
uploaded from any checkout. Files that were not analysed become tool execution
notifications: a consumer that only looks at results must still be able to see them.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from vulnhound.findings import Confidence, Finding, Location, Severity, SuppressionKind
from vulnhound.reporters._common import (
    SEVERITIES,
    TEXT_ONLY_NOTE,
    TOOL_NAME,
    agreements,
    all_rules,
    cwe_number,
    cwe_url,
    files_not_analysed,
    ordered,
    ordered_skipped,
    plural,
    repository_prefix,
)
from vulnhound.reporters.json_report import clean_json, usage_dict
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult
from vulnhound.rules.catalog import SECURITY_SEVERITY, RuleInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "vulnhound/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub's precision vocabulary is very-high/high/medium/low; ours has three steps.
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}

SUPPRESSION_KINDS = {
    SuppressionKind.INLINE: "inSource",
    SuppressionKind.TRIAGE: "external",
    SuppressionKind.CONSENSUS: "external",
    SuppressionKind.REFUTED: "external",
}


def render_sarif(result: ScanResult, options: ReportOptions) -> str:
    return clean_json(sarif_log(result))


def sarif_log(result: ScanResult) -> dict[str, Any]:
    rules = all_rules(result)
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [invocation(result)],
    }
    base = _root_uri(result.repo_root or result.root)
    if base:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
    # one category per scanned folder: code scanning keeps the results of `scan src` and `scan
    # docs` apart instead of letting one upload close the other's alerts
    run["automationDetails"] = {"id": f"vulnhound/{repository_prefix(result) or '.'}/"}
    run["results"] = [sarif_result(f, index[f.rule_id], result) for f in ordered(result.findings)]
    run["properties"] = run_properties(result)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    tags = ["security", *rule.tags, *(f"external/cwe/cwe-{n}" for n in map(cwe_number, rule.cwe) if n)]
    cwe_links = [f"[{c}]({u})" for c in rule.cwe if (u := cwe_url(c))]
    markdown = rule.help_text
    if cwe_links:
        markdown += "\n\nWeaknesses: " + ", ".join(cwe_links)
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short_description},
        "fullDescription": {"text": rule.full_description},
        "help": {"text": rule.help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": list(dict.fromkeys(tags)),
            "security-severity": rule.security_severity,
            "precision": PRECISION[rule.confidence],
            "problem.severity": _problem_severity(rule.severity),
            "cwe": list(rule.cwe),
        },
    }
    if rule.cwe and cwe_url(rule.cwe[0]):
        descriptor["helpUri"] = cwe_url(rule.cwe[0])
    return descriptor


def sarif_result(finding: Finding, rule_index: int, result: ScanResult) -> dict[str, Any]:
    message = finding.message or finding.rule_id
    if result.rule(finding.rule_id) is None and finding.analyzers:
        # Not a catalogued rule (a model's, or imported): say who reported it.
        message += f" (reported by {', '.join(finding.analyzers)})"
    properties: dict[str, Any] = {
        "cwe": list(finding.cwe),
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "analyzers": list(finding.analyzers),
        "code-context": finding.code_context.value,
    }
    if finding.context:
        properties["context"] = finding.context
    if finding.triage is not None:
        triage = finding.triage
        properties["triage.verdict"] = triage.verdict.value
        properties["triage.rationale"] = triage.rationale
        properties["triage.confidence"] = triage.confidence if math.isfinite(triage.confidence) else None
        properties["triage.models"] = list(triage.models)
    if finding.properties:
        properties["extra"] = dict(finding.properties)
    entry: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": physical_location(
                    finding.location, finding.snippet, repository_prefix(result)
                )
            }
        ],
        "partialFingerprints": _fingerprints(finding),
    }
    if finding.flow:
        entry["codeFlows"] = [
            {
                "message": {
                    "text": f"{finding.flow[0].note or 'source'} \u2192 {finding.flow[-1].note or 'sink'}"
                },
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    "physicalLocation": physical_location(
                                        step.location, prefix=repository_prefix(result)
                                    ),
                                    "message": {"text": step.note or f"step {n}"},
                                },
                                "executionOrder": n,
                            }
                            for n, step in enumerate(finding.flow, start=1)
                        ]
                    }
                ],
            }
        ]
    if finding.suppression is not None:
        suppression: dict[str, Any] = {
            "kind": SUPPRESSION_KINDS[finding.suppression.kind],
            "status": "accepted",
            "properties": {"vulnhoundKind": finding.suppression.kind.value},
        }
        if finding.suppression.justification:
            suppression["justification"] = finding.suppression.justification
        entry["suppressions"] = [suppression]
    entry["properties"] = properties
    return entry


def physical_location(loc: Location, snippet: str = "", prefix: str = "") -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": loc.start_line,
        "startColumn": loc.start_column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
    }
    if snippet:
        region["snippet"] = {"text": snippet}
    return {"artifactLocation": artifact_location(loc.path, prefix), "region": region}


def artifact_location(path: str, prefix: str = "") -> dict[str, Any]:
    """A path under ``%SRCROOT%`` (the repository root: ``prefix`` is where the scan root lies
    in it); an absolute one (outside the root) as a file URI."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": "file://" + _quote(path)}
    return {"uri": _quote(f"{prefix}/{path}" if prefix else path), "uriBaseId": SRCROOT}


def invocation(result: ScanResult) -> dict[str, Any]:
    notes: list[dict[str, Any]] = []
    if result.nothing_analysed:
        notes.append(
            {
                "level": "error",
                "message": {
                    "text": "Nothing was analysed: no file could be read and analysed, so the absence "
                    f"of results does not mean the code is clean ({plural(files_not_analysed(result), 'file')} "
                    "not analysed)."
                },
                "descriptor": {"id": "nothing-analysed"},
            }
        )
    for skipped in ordered_skipped(result.skipped):
        detail = f": {skipped.detail}" if skipped.detail else ""
        by = f" by {skipped.analyzer}" if skipped.analyzer else ""
        notes.append(
            {
                "level": "warning",
                "message": {"text": f"{skipped.path} was not analysed{by} ({skipped.reason.value}){detail}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": artifact_location(skipped.path, repository_prefix(result))
                        }
                    }
                ],
                "descriptor": {"id": f"skipped/{skipped.reason.value}"},
                "properties": {
                    "path": skipped.path,
                    "reason": skipped.reason.value,
                    "detail": skipped.detail,
                    "analyzer": skipped.analyzer,
                },
            }
        )
    for language, count in sorted(result.unsupported_languages):
        notes.append(  # a warning, like a skipped file: the run is not complete
            {
                "level": "warning",
                "message": {"text": f"{plural(count, 'file')} in {language}: {TEXT_ONLY_NOTE}"},
                "descriptor": {"id": "unsupported-language"},
                "properties": {"language": language, "files": count},
            }
        )
    for loc in sorted(result.unused_suppressions):
        notes.append(
            {
                "level": "note",
                "message": {"text": f"unused suppression comment at {loc.path}:{loc.start_line}"},
                "locations": [{"physicalLocation": physical_location(loc, prefix=repository_prefix(result))}],
                "descriptor": {"id": "unused-suppression"},
            }
        )
    for note in result.notes:
        notes.append({"level": "note", "message": {"text": note}, "descriptor": {"id": "note"}})
    return {"executionSuccessful": True, "toolExecutionNotifications": notes}


def run_properties(result: ScanResult) -> dict[str, Any]:
    counts = result.severity_counts()
    return {
        "complete": not result.incomplete,
        "nothingAnalysed": result.nothing_analysed,
        "filesAnalyzed": result.files_analyzed,
        "linesAnalyzed": result.lines_analyzed,
        "filesNotAnalyzed": files_not_analysed(result),
        "findings": len(result.active),
        "bySeverity": {s.value: counts[s] for s in SEVERITIES},
        "byContext": {c.value: n for c, n in result.context_counts().items()},
        "suppressed": len(result.suppressed),
        "baselineMatched": result.baseline_matched,
        "belowThreshold": result.below_threshold,
        "diff": {"base": result.diff_base, "leftOut": result.diff_hidden} if result.diff_base else None,
        "analyzers": list(result.analyzers),
        "durationSeconds": round(result.duration_s, 3) if math.isfinite(result.duration_s) else None,
        "modelUsage": [usage_dict(u) for u in sorted(result.model_usage, key=lambda u: u.model)],
        "modelAgreement": [
            {"models": list(a.models), "matrix": [list(r) for r in a.matrix], "threshold": a.threshold}
            for a in agreements(result)
        ],
        "notes": list(result.notes),
    }


def _fingerprints(finding: Finding) -> dict[str, str]:
    prints: dict[str, str] = {}
    if finding.line_hash:
        prints["primaryLocationLineHash"] = finding.line_hash
    if finding.fingerprint:
        prints[FINGERPRINT_KEY] = finding.fingerprint
    return prints


def _problem_severity(severity: Severity) -> str:
    """GitHub's non-security severity scale (error/warning/recommendation)."""
    return {"error": "error", "warning": "warning"}.get(LEVELS[severity], "recommendation")


def _quote(path: str) -> str:
    # Surrogates from undecodable names cannot be UTF-8 encoded; keep their escaped form.
    safe = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return quote(safe, safe="/")


def _root_uri(root: str) -> str:
    posix = PurePosixPath(root)
    if not posix.is_absolute():
        return ""
    uri = "file://" + _quote(str(posix))
    return uri if uri.endswith("/") else uri + "/"
