"""Other tools' results as findings: SARIF, Bandit JSON and Semgrep JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vulnhound.errors import UsageError
from vulnhound.findings import Severity
from vulnhound.importers import cwe_ids, detect_format, load_findings


def write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_cwe_ids_accepts_the_usual_spellings() -> None:
    assert cwe_ids(["CWE-089", "external/cwe/cwe-78", 22, "CWE-89: SQL Injection", "89", "nothing"]) == (
        "CWE-89",
        "CWE-78",
        "CWE-22",
    )


SARIF = {
    "version": "2.1.0",
    "runs": [
        {
            "tool": {
                "driver": {
                    "name": "other-scanner",
                    "rules": [
                        {"id": "sqli", "properties": {"tags": ["security", "external/cwe/cwe-089"]}},
                        {
                            "id": "cmdi",
                            "relationships": [{"target": {"id": "78", "toolComponent": {"name": "CWE"}}}],
                        },
                        {"id": "CWE-22"},
                    ],
                }
            },
            "originalUriBaseIds": {"SRC": {"uri": "file:///work/project/"}},
            "results": [
                {
                    "ruleId": "sqli",
                    "level": "error",
                    "message": {"text": "query built from input"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": "app/db.py", "uriBaseId": "SRC"},
                                "region": {"startLine": 12, "startColumn": 5},
                            }
                        }
                    ],
                },
                {
                    "ruleIndex": 1,
                    "message": {"text": "shell"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///x/run.py"}}}],
                },
                {"ruleId": "CWE-22", "message": {"text": "path"}, "locations": [], "level": "note"},
                {"ruleId": "other", "message": {"text": "x"}, "taxa": [{"id": "CWE-502"}]},
                {"ruleId": "sqli", "kind": "pass", "message": {"text": "not a finding"}},
                {"ruleId": "sqli", "baselineState": "absent", "message": {"text": "gone"}},
                {"ruleId": "sqli", "message": {"text": "s"}, "suppressions": [{"kind": "inSource"}]},
            ],
        }
    ],
}


def test_sarif_import(tmp_path: Path) -> None:
    findings = load_findings(write(tmp_path, "other.sarif", SARIF))
    assert [f.rule_id for f in findings] == ["sqli", "cmdi", "CWE-22", "other", "sqli"]
    sqli, cmdi, path, other, suppressed = findings
    assert sqli.cwe == ("CWE-89",) and sqli.severity is Severity.HIGH
    assert sqli.location.path == "/work/project/app/db.py" and sqli.location.start_line == 12
    assert cmdi.cwe == ("CWE-78",) and cmdi.location.path == "/x/run.py" and cmdi.location.start_line == 1
    assert path.cwe == ("CWE-22",) and path.severity is Severity.LOW
    assert other.cwe == ("CWE-502",)
    assert suppressed.suppressed and not sqli.suppressed
    assert sqli.analyzers == ("other-scanner",)


def test_bandit_import(tmp_path: Path) -> None:
    document = {
        "errors": [],
        "generated_at": "2026-01-01T00:00:00Z",
        "metrics": {},
        "results": [
            {
                "filename": "./pkg/app.py",
                "issue_confidence": "HIGH",
                "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"},
                "issue_severity": "LOW",
                "issue_text": "subprocess call with shell=True",
                "line_number": 7,
                "line_range": [7, 8],
                "col_offset": 4,
                "test_id": "B602",
                "test_name": "subprocess_popen_with_shell_equals_true",
            }
        ],
    }
    (finding,) = load_findings(write(tmp_path, "bandit.json", document))
    assert finding.rule_id == "bandit.B602" and finding.cwe == ("CWE-78",)
    assert finding.severity is Severity.LOW and finding.location.path == "./pkg/app.py"
    assert (finding.location.start_line, finding.location.end_line, finding.location.start_column) == (
        7,
        8,
        5,
    )
    assert detect_format({**document, "results": []}) == "bandit"


def test_semgrep_import(tmp_path: Path) -> None:
    document = {
        "version": "1.0",
        "errors": [],
        "paths": {"scanned": []},
        "results": [
            {
                "check_id": "python.lang.security.audit.formatted-sql-query",
                "path": "src/db.py",
                "start": {"line": 3, "col": 9},
                "end": {"line": 3, "col": 40},
                "extra": {
                    "message": "formatted SQL",
                    "severity": "WARNING",
                    "metadata": {"cwe": ["CWE-89: Improper Neutralization of Special Elements"]},
                },
            },
            {
                "check_id": "single-string-cwe",
                "path": "src/x.py",
                "start": {"line": 1, "col": 1},
                "end": {"line": 1, "col": 2},
                "extra": {
                    "message": "m",
                    "severity": "ERROR",
                    "metadata": {"cwe": "CWE-502: Deserialization"},
                },
            },
        ],
    }
    first, second = load_findings(write(tmp_path, "semgrep.json", document))
    assert first.cwe == ("CWE-89",) and first.severity is Severity.MEDIUM and first.location.start_line == 3
    assert second.cwe == ("CWE-502",) and second.severity is Severity.HIGH


def test_unknown_documents_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a SARIF"):
        load_findings(write(tmp_path, "x.json", {"hello": 1}))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot read"):
        load_findings(bad)
