"""GitLab SAST report (`-f gitlab`): the security report format GitLab's merge-request widget and
vulnerability report read (schema 15.x: `version`, `vulnerabilities`, `scan`).

Active findings only (suppressed ones are decisions already taken); each with a stable id
derived from vulnhound's fingerprint, so GitLab tracks it across pipelines, its CWE ids as
identifiers, and its location from the repository root like SARIF's. Files not analysed
become scan messages: GitLab shows them beside the results.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from vulnhound.findings import Finding, Severity
from vulnhound.reporters._common import ordered, ordered_skipped, repository_prefix
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult

SCHEMA_VERSION = "15.0.7"
_NAMESPACE = uuid.UUID("5b0f3d2e-7f7a-4d7e-9a3c-6c1f0e9b2a41")
_SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
_TOOL = {"id": "vulnhound", "name": "vulnhound", "vendor": {"name": "vulnhound"}}


def _identifiers(finding: Finding) -> list[dict[str, str]]:
    found = [{"type": "vulnhound_rule_id", "name": f"vulnhound {finding.rule_id}", "value": finding.rule_id}]
    for cwe in finding.cwe:
        number = cwe.removeprefix("CWE-")
        found.append(
            {
                "type": "cwe",
                "name": cwe,
                "value": number,
                "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
            }
        )
    return found


def _vulnerability(finding: Finding, prefix: str) -> dict[str, Any]:
    loc = finding.location
    path = f"{prefix}/{loc.path}" if prefix and not loc.path.startswith("/") else loc.path
    key = finding.fingerprint or f"{finding.rule_id}:{path}:{loc.start_line}"
    key = key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")  # lone surrogates
    entry: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, key)),
        "name": finding.message.split(" (", 1)[0][:255] or finding.rule_id,
        "description": finding.message,
        "severity": _SEVERITY[finding.severity],
        "identifiers": _identifiers(finding),
        "location": {
            "file": path,
            "start_line": loc.start_line,
            "end_line": max(loc.end_line, loc.start_line),
        },
    }
    if finding.context:
        entry["location"]["method"] = finding.context
    return entry


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def gitlab_report(result: ScanResult) -> dict[str, Any]:
    """The report; its times come from the result, so one result always renders the same."""
    start = datetime.fromtimestamp(result.started_at if math.isfinite(result.started_at) else 0.0, UTC)
    seconds = result.duration_s if math.isfinite(result.duration_s) and result.duration_s > 0 else 0.0
    end = start + timedelta(seconds=seconds)
    prefix = repository_prefix(result)
    messages = [
        {"level": "warn", "value": f"not analysed: {s.path} ({s.reason.value}): {s.detail}"[:1000]}
        for s in ordered_skipped(result.skipped)
    ]
    messages += [{"level": "info", "value": note[:1000]} for note in result.notes]
    if result.nothing_analysed:
        messages.insert(0, {"level": "fatal", "value": "nothing was analysed: this is not a clean result"})
    return {
        "version": SCHEMA_VERSION,
        "vulnerabilities": [_vulnerability(f, prefix) for f in ordered(result.findings) if not f.suppressed],
        "scan": {
            "analyzer": {**_TOOL, "version": result.tool_version},
            "scanner": {**_TOOL, "version": result.tool_version},
            "type": "sast",
            "start_time": _time(start),
            "end_time": _time(end),
            "status": "failure" if result.nothing_analysed else "success",
            "messages": messages,
        },
    }


def render_gitlab(result: ScanResult, options: ReportOptions) -> str:
    # ASCII escapes: a file name with undecodable bytes (a lone surrogate) stays writable JSON
    return json.dumps(gitlab_report(result), indent=2, ensure_ascii=True) + "\n"
