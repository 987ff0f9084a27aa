"""JSON report (schema documented in docs/json-format.md)."""

from __future__ import annotations

import json
from typing import Any

from vulnhound.findings import Finding
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "rule_id": f.rule_id,
        "cwe": list(f.cwe),
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": f.message,
        "location": {
            "path": loc.path,
            "start_line": loc.start_line,
            "start_column": loc.start_column,
            "end_line": loc.end_line,
            "end_column": loc.end_column,
        },
        "fingerprint": f.fingerprint,
        "analyzers": list(f.analyzers),
        "suppressed": f.suppressed,
    }


def render_json(result: ScanResult, options: ReportOptions) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "findings": [finding_dict(f) for f in result.findings],
        "skipped": [
            {"path": s.path, "reason": s.reason.value, "detail": s.detail, "analyzer": s.analyzer}
            for s in result.skipped
        ],
        "summary": {"files_analyzed": result.files_analyzed},
    }
    return json.dumps(doc, indent=2)
