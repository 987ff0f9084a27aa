"""Findings of other tools as vulnhound :class:`~vulnhound.findings.Finding` objects.

Third-party scanners (anything that writes SARIF 2.1.0, Bandit JSON or Semgrep JSON) can then
stand in the same benchmark table as vulnhound, and their results can feed a scan.
``load_findings`` detects the format from the document itself, not the file name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vulnhound.errors import UsageError
from vulnhound.findings import Finding
from vulnhound.importers.bandit import from_bandit
from vulnhound.importers.common import cwe_ids
from vulnhound.importers.sarif import from_sarif
from vulnhound.importers.semgrep import from_semgrep

FORMATS = ("sarif", "bandit", "semgrep")

__all__ = ["FORMATS", "cwe_ids", "detect_format", "from_document", "load_findings"]


def detect_format(document: Any) -> str:
    """``sarif``, ``bandit`` or ``semgrep``; raises :class:`UsageError` for anything else."""
    if isinstance(document, dict):
        if isinstance(document.get("runs"), list):
            return "sarif"
        results = document.get("results")
        if isinstance(results, list):
            first = next((r for r in results if isinstance(r, dict)), None)
            if first is not None and "test_id" in first:
                return "bandit"
            if first is not None and "check_id" in first:
                return "semgrep"
            # An empty result list: the tools' other top-level keys tell them apart.
            if "metrics" in document and "generated_at" in document:
                return "bandit"
            if "errors" in document and ("paths" in document or "version" in document):
                return "semgrep"
    raise UsageError("not a SARIF, Bandit JSON or Semgrep JSON document")


def from_document(document: Any, fmt: str | None = None) -> list[Finding]:
    kind = fmt or detect_format(document)
    if kind == "sarif":
        return from_sarif(document)
    if kind == "bandit":
        return from_bandit(document)
    if kind == "semgrep":
        return from_semgrep(document)
    raise UsageError(f"unknown import format {kind!r} (known: {', '.join(FORMATS)})")


def load_findings(path: str | Path, fmt: str | None = None) -> list[Finding]:
    """Read another tool's result file; paths in findings are kept as the tool wrote them
    (POSIX separators), so callers attribute them to files themselves."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read results file {path}: {exc}") from exc
    try:
        return from_document(document, fmt)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from None
