"""JSON report: valid against the documented schema, complete, and faithful to the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reporting_fixtures import ALL_RESULTS, nothing_analysed_result, rich_result, scanned_result
from vulnhound.reporters import ReportOptions, render
from vulnhound.result import ScanResult

_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 0}
_LINE = {"type": "integer", "minimum": 1}
_SEVERITY = {"enum": ["critical", "high", "medium", "low", "info"]}
_CONFIDENCE = {"enum": ["high", "medium", "low"]}
_STRINGS = {"type": "array", "items": _STR}


def _object(properties: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": extra,
    }


_LOCATION = _object(
    {"path": _STR, "start_line": _LINE, "start_column": _LINE, "end_line": _LINE, "end_column": _LINE}
)

# The schema of docs/json-format.md, version 1.1. Objects are closed: a field added to the
# reporter without being added here (and documented) fails the tests.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **_object(
        {
            "schema_version": {"const": "1.3"},
            "tool": _object({"name": {"const": "vulnhound"}, "version": _STR}),
            "root": _STR,
            "targets": _STRINGS,
            "complete": {"type": "boolean"},
            "nothing_analysed": {"type": "boolean"},
            "diff": {"oneOf": [{"type": "null"}, _object({"base": _STR, "left_out": _INT})]},
            "summary": _object(
                {
                    "findings": _INT,
                    "by_severity": _object({s: _INT for s in ("critical", "high", "medium", "low", "info")}),
                    "by_context": _object({c: _INT for c in ("production", "test", "example", "docs")}),
                    "suppressed": _INT,
                    "baseline_matched": _INT,
                    "below_threshold": _INT,
                    "files_analyzed": _INT,
                    "lines_analyzed": _INT,
                    "files_not_analyzed": _INT,
                    "duration_s": {"type": ["number", "null"], "minimum": 0},
                }
            ),
            "filters": _object({"min_severity": _SEVERITY, "min_confidence": _CONFIDENCE}),
            "analyzers": _STRINGS,
            "findings": {
                "type": "array",
                "items": _object(
                    {
                        "rule_id": _STR,
                        "cwe": {"type": "array", "items": {"type": "string", "pattern": "^CWE-[0-9]+$"}},
                        "severity": _SEVERITY,
                        "confidence": _CONFIDENCE,
                        "message": _STR,
                        "location": _LOCATION,
                        "analyzers": _STRINGS,
                        "flow": {
                            "type": "array",
                            "items": _object({"location": _LOCATION, "note": _STR}),
                        },
                        "context": _STR,
                        "snippet": _STR,
                        "triage": {
                            "oneOf": [
                                {"type": "null"},
                                _object(
                                    {
                                        "verdict": {"enum": ["true_positive", "false_positive", "uncertain"]},
                                        "rationale": _STR,
                                        "confidence": {"type": ["number", "null"]},
                                        "models": _STRINGS,
                                    }
                                ),
                            ]
                        },
                        "suppressed": {"type": "boolean"},
                        "suppression": {
                            "oneOf": [
                                {"type": "null"},
                                _object(
                                    {
                                        "kind": {"enum": ["inline", "triage", "consensus", "refuted"]},
                                        "justification": _STR,
                                    }
                                ),
                            ]
                        },
                        "fingerprint": _STR,
                        "line_hash": _STR,
                        "properties": {"type": "object", "additionalProperties": _STR},
                        "code_context": {"enum": ["production", "test", "example", "docs"]},
                    }
                ),
            },
            "skipped": {
                "type": "array",
                "items": _object({"path": _STR, "reason": _STR, "detail": _STR, "analyzer": _STR}),
            },
            "unsupported_languages": {
                "type": "array",
                "items": _object({"language": _STR, "files": _INT}),
            },
            "unused_suppressions": {"type": "array", "items": _LOCATION},
            "rules": {
                "type": "array",
                "items": _object(
                    {
                        "id": _STR,
                        "name": _STR,
                        "cwe": _STRINGS,
                        "severity": _SEVERITY,
                        "confidence": _CONFIDENCE,
                        "security_severity": {"type": "string", "pattern": r"^[0-9]+\.[0-9]$"},
                        "short_description": _STR,
                        "full_description": _STR,
                        "help": _STR,
                        "tags": _STRINGS,
                        "analyzer": _STR,
                        "catalogued": {"type": "boolean"},
                    }
                ),
            },
            "model_usage": {
                "type": "array",
                "items": _object(
                    {
                        "model": _STR,
                        "requests": _INT,
                        "cached": _INT,
                        "failures": _INT,
                        "tokens_in": _INT,
                        "tokens_out": _INT,
                        "cost_usd": {"type": ["number", "null"], "minimum": 0},
                        "bytes_sent": _INT,
                    }
                ),
            },
            "notes": _STRINGS,
            "extras": {"type": "object"},
        }
    ),
}


def report(result: ScanResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("json", result, ReportOptions()))
    errors = list(Draft202012Validator(REPORT_SCHEMA).iter_errors(doc))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return doc


def test_schema_is_valid_and_can_reject() -> None:
    Draft202012Validator.check_schema(REPORT_SCHEMA)
    doc = report(rich_result())
    doc["findings"][0]["severity"] = "urgent"
    assert not Draft202012Validator(REPORT_SCHEMA).is_valid(doc)
    doc = report(rich_result())
    doc["findings"][0]["undocumented"] = 1
    assert not Draft202012Validator(REPORT_SCHEMA).is_valid(doc)


@pytest.mark.parametrize("name", sorted(ALL_RESULTS))
def test_every_fixture_validates(name: str) -> None:
    report(ALL_RESULTS[name]())


def test_rich_result_round_trips() -> None:
    result = rich_result()
    doc = report(result)
    assert doc["complete"] is False and doc["nothing_analysed"] is False
    assert len(doc["findings"]) == len(result.findings)
    by_print = {f["fingerprint"]: f for f in doc["findings"]}
    for finding in result.findings:
        got = by_print[finding.fingerprint]
        assert got["rule_id"] == finding.rule_id
        assert got["cwe"] == list(finding.cwe)
        assert got["severity"] == finding.severity.value
        assert got["confidence"] == finding.confidence.value
        assert got["message"] == finding.message
        assert got["line_hash"] == finding.line_hash
        assert got["snippet"] == finding.snippet
        assert got["suppressed"] is finding.suppressed
        loc = finding.location
        assert got["location"] == {
            "path": loc.path,
            "start_line": loc.start_line,
            "start_column": loc.start_column,
            "end_line": loc.end_line,
            "end_column": loc.end_column,
        }
        assert [s["note"] for s in got["flow"]] == [s.note for s in finding.flow]
        if finding.suppression:
            assert got["suppression"]["kind"] == finding.suppression.kind.value
        if finding.triage:
            assert got["triage"]["verdict"] == finding.triage.verdict.value
            assert got["triage"]["models"] == list(finding.triage.models)
    # Severity order: critical first.
    ranks = ["critical", "high", "medium", "low", "info"]
    assert [ranks.index(f["severity"]) for f in doc["findings"]] == sorted(
        ranks.index(f["severity"]) for f in doc["findings"]
    )
    summary = doc["summary"]
    assert summary["findings"] == len(result.active) == 4
    assert summary["by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 0, "info": 1}
    assert summary["suppressed"] == 3
    assert (summary["baseline_matched"], summary["below_threshold"]) == (2, 4)
    assert (summary["files_analyzed"], summary["lines_analyzed"], summary["files_not_analyzed"]) == (
        12,
        3456,
        4,
    )
    assert {s["path"]: s["reason"] for s in doc["skipped"]}["big.py"] == "too-large"
    assert doc["unsupported_languages"] == [
        {"language": "go", "files": 1},
        {"language": "javascript", "files": 3},
    ]
    assert doc["unused_suppressions"][0]["path"] == "app/old.py"
    # Only rules some finding uses; the model's rule is marked as not catalogued.
    rules = {r["id"]: r for r in doc["rules"]}
    assert set(rules) == {"py/sql-injection", "py/weak-hash", "model/path-traversal", "py/long"}
    assert rules["model/path-traversal"]["catalogued"] is False
    assert rules["py/sql-injection"]["security_severity"] == "9.5"
    assert [u["model"] for u in doc["model_usage"]] == ["glm", "qwen"]
    assert doc["notes"] == list(result.notes)
    assert doc["extras"] == {"taint": {"paths": 3, "truncated": False}}


def test_nothing_analysed_flags() -> None:
    doc = report(nothing_analysed_result())
    assert doc["nothing_analysed"] is True and doc["complete"] is False
    assert doc["summary"]["files_analyzed"] == 0 and doc["summary"]["files_not_analyzed"] == 2


def test_real_scan(tmp_path: Path) -> None:
    result = scanned_result(tmp_path)
    doc = report(result)
    assert doc["complete"] is True
    assert doc["tool"]["version"] == result.tool_version
    assert sorted(f["rule_id"] for f in doc["findings"]) == sorted(f.rule_id for f in result.findings)
    assert all(f["fingerprint"] and f["line_hash"] for f in doc["findings"])


DOC = Path(__file__).resolve().parents[1] / "docs" / "json-format.md"


def _schema_keys(schema: Any) -> set[str]:
    """Every property name defined anywhere in a (sub)schema."""
    keys: set[str] = set()
    if not isinstance(schema, dict):
        return keys
    for name, sub in schema.get("properties", {}).items():
        keys.add(name)
        keys |= _schema_keys(sub)
    for sub in (schema.get("items"), *schema.get("oneOf", ())):
        keys |= _schema_keys(sub)
    return keys


def test_documented_example_is_valid_and_every_field_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    Draft202012Validator(REPORT_SCHEMA).validate(example)
    undocumented = sorted(k for k in _schema_keys(REPORT_SCHEMA) if f"`{k}`" not in text)
    assert not undocumented, f"fields missing from docs/json-format.md: {undocumented}"
