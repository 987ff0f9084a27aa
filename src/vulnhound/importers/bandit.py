"""Bandit's JSON report (``bandit -f json``) as findings; CWE from ``issue_cwe.id``."""

from __future__ import annotations

from typing import Any

from vulnhound.errors import UsageError
from vulnhound.findings import Finding
from vulnhound.importers.common import confidence_of, cwe_ids, location, severity_of, uri_to_path


def from_bandit(document: Any) -> list[Finding]:
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise UsageError("Bandit JSON without a 'results' list")
    findings: list[Finding] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        cwe_field = item.get("issue_cwe")
        cwe = cwe_ids([cwe_field.get("id")]) if isinstance(cwe_field, dict) else ()
        test_id = str(item.get("test_id") or "bandit")
        col = item.get("col_offset")
        end_col = item.get("end_col_offset")
        lines = item.get("line_range") if isinstance(item.get("line_range"), list) else []
        findings.append(
            Finding(
                rule_id=f"bandit.{test_id}",
                cwe=cwe,
                severity=severity_of(item.get("issue_severity")),
                confidence=confidence_of(item.get("issue_confidence")),
                message=str(item.get("issue_text") or test_id),
                location=location(
                    uri_to_path(str(item.get("filename") or "")),
                    item.get("line_number"),
                    col + 1 if isinstance(col, int) else 1,
                    lines[-1] if lines else 0,
                    end_col + 1 if isinstance(end_col, int) else 0,
                ),
                analyzers=("bandit",),
                properties=(("tool", "bandit"), ("test_name", str(item.get("test_name") or ""))),
            )
        )
    return findings
