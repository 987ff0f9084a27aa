"""Semgrep's JSON output (``semgrep --json``) as findings; CWE from ``extra.metadata.cwe``."""

from __future__ import annotations

from typing import Any

from vulnhound.errors import UsageError
from vulnhound.findings import Finding
from vulnhound.importers.common import confidence_of, cwe_ids, location, severity_of, uri_to_path


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def from_semgrep(document: Any) -> list[Finding]:
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise UsageError("Semgrep JSON without a 'results' list")
    findings: list[Finding] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        extra = _dict(item.get("extra"))
        metadata = _dict(extra.get("metadata"))
        start = _dict(item.get("start"))
        end = _dict(item.get("end"))
        check = str(item.get("check_id") or "semgrep")
        findings.append(
            Finding(
                rule_id=f"semgrep.{check}",
                cwe=cwe_ids(_as_list(metadata.get("cwe"))),
                severity=severity_of(extra.get("severity")),
                confidence=confidence_of(metadata.get("confidence")),
                message=str(extra.get("message") or check),
                location=location(
                    uri_to_path(str(item.get("path") or "")),
                    start.get("line"),
                    start.get("col", 1),
                    end.get("line", 0),
                    end.get("col", 0),
                ),
                analyzers=("semgrep",),
                properties=(("tool", "semgrep"),),
            )
        )
    return findings
