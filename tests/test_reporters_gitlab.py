"""`-f gitlab`: GitLab's SAST security report, checked against the shape of its published schema
(security-report-schemas, sast-report-format 15.x), written out here from that schema's
required keys and enums."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from reporting_fixtures import REAL_SOURCE

_STR = {"type": "string", "minLength": 1}
_TOOL = {
    "type": "object",
    "required": ["id", "name", "version", "vendor"],
    "properties": {
        "id": _STR,
        "name": _STR,
        "version": _STR,
        "vendor": {"type": "object", "required": ["name"]},
    },
}
SAST_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["version", "vulnerabilities", "scan"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.\d+\.\d+$"},
        "vulnerabilities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "identifiers", "location"],
                "properties": {
                    "id": _STR,
                    "name": {"type": "string", "maxLength": 255},
                    "description": {"type": "string", "maxLength": 1048576},
                    "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
                    "identifiers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["type", "name", "value"],
                            "properties": {
                                "type": _STR,
                                "name": _STR,
                                "value": _STR,
                                "url": {"type": "string"},
                            },
                        },
                    },
                    "location": {
                        "type": "object",
                        "properties": {
                            "file": _STR,
                            "start_line": {"type": "integer", "minimum": 1},
                            "end_line": {"type": "integer", "minimum": 1},
                            "method": {"type": "string"},
                        },
                    },
                },
            },
        },
        "scan": {
            "type": "object",
            "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
            "properties": {
                "analyzer": _TOOL,
                "scanner": _TOOL,
                "type": {"const": "sast"},
                "start_time": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"},
                "end_time": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"},
                "status": {"enum": ["success", "failure"]},
                "messages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["level", "value"],
                        "properties": {"level": {"enum": ["info", "warn", "fatal"]}, "value": _STR},
                    },
                },
            },
        },
    },
}


def _valid(doc: dict[str, Any]) -> None:
    errors = sorted(Draft7Validator(SAST_SHAPE).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_shape_check_can_fail() -> None:
    bad = {
        "version": "15.0.7",
        "vulnerabilities": [{"id": "x", "identifiers": [], "location": {}}],
        "scan": {},
    }
    assert list(Draft7Validator(SAST_SHAPE).iter_errors(bad))


def test_a_scan_of_a_subdirectory_gives_a_valid_sast_report(tmp_path: Path, cli: Any) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    (repo / "src" / "bad.py").write_bytes(b"def f(:\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    first = cli("scan", repo / "src", "-f", "gitlab")
    second = cli("scan", repo / "src", "-f", "gitlab")
    assert first.returncode == 1, first.stderr
    doc = json.loads(first.stdout)
    _valid(doc)
    vulns = doc["vulnerabilities"]
    assert {v["location"]["file"] for v in vulns} == {"src/client.py"}
    weak = next(v for v in vulns if v["identifiers"][0]["value"] == "py/weak-hash")
    assert {i["value"] for i in weak["identifiers"] if i["type"] == "cwe"} == {"328", "327"}
    assert weak["severity"] == "Medium"
    # ids are stable across pipelines: GitLab tracks a vulnerability by them
    assert [v["id"] for v in vulns] == [v["id"] for v in json.loads(second.stdout)["vulnerabilities"]]
    assert any(m["level"] == "warn" and "bad.py" in m["value"] for m in doc["scan"]["messages"])
    assert doc["scan"]["status"] == "success"


def test_suppressed_findings_stay_out_and_nothing_analysed_is_a_failure(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "a.py").write_text(
        "import hashlib\nhashlib.md5(b'x')  # vulnhound: ignore[py/weak-hash] etag\n"
    )
    done = cli("scan", tmp_path / "a.py", "-f", "gitlab", "--fail-on", "low")
    doc = json.loads(done.stdout)
    _valid(doc)
    assert doc["vulnerabilities"] == [] and done.returncode == 0
    (tmp_path / "only.bin").write_bytes(b"\x00\x01" * 10)
    empty = cli("scan", tmp_path / "only.bin", "-f", "gitlab")
    report = json.loads(empty.stdout)
    _valid(report)
    assert report["scan"]["status"] == "failure" and report["scan"]["messages"][0]["level"] == "fatal"
