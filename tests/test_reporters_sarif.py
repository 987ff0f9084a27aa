"""SARIF: valid against the official 2.1.0 schema, and carrying what GitHub code scanning reads."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import validators

from reporting_fixtures import ALL_RESULTS, nothing_analysed_result, rich_result, scanned_result
from vulnhound.reporters import ReportOptions, render
from vulnhound.result import ScanResult

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The validator class named by the schema's own $schema (draft-04): no network needed.
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif(result: ScanResult) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render("sarif", result, ReportOptions()))
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return log


def test_schema_validator_rejects_a_broken_log() -> None:
    """The validation below must be able to fail."""
    log = sarif(rich_result())
    del log["runs"][0]["results"][0]["message"]
    assert not _validator().is_valid(log)
    log = sarif(rich_result())
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not _validator().is_valid(log)


@pytest.mark.parametrize("name", sorted(ALL_RESULTS))
def test_hand_built_results_validate(name: str) -> None:
    log = sarif(ALL_RESULTS[name]())
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_real_scan_validates_and_has_required_properties(tmp_path: Path) -> None:
    result = scanned_result(tmp_path)
    assert {f.rule_id for f in result.findings} >= {"py/weak-hash", "py/tls-verification-disabled"}
    run = sarif(result)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vulnhound" and driver["version"] == result.tool_version
    assert "informationUri" not in driver  # no public home yet: better absent than invented
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) >= {r.id for r in result.rules}
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "security" in rule["properties"]["tags"]
        assert float(rule["properties"]["security-severity"]) >= 0
        assert rule["properties"]["precision"] in {"very-high", "high", "medium", "low"}
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert "external/cwe/cwe-328" in rules["py/weak-hash"]["properties"]["tags"]
    assert "external/cwe/cwe-327" in rules["py/weak-hash"]["properties"]["tags"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    for finding in result.findings:
        res = by_rule[finding.rule_id]
        assert driver["rules"][res["ruleIndex"]]["id"] == finding.rule_id
        assert res["message"]["text"] == finding.message
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "client.py", "uriBaseId": "%SRCROOT%"}
        loc = finding.location
        assert physical["region"] == {
            "startLine": loc.start_line,
            "startColumn": loc.start_column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column,
            "snippet": {"text": finding.snippet},
        }
        assert res["partialFingerprints"] == {
            "primaryLocationLineHash": finding.line_hash,
            "vulnhound/v1": finding.fingerprint,
        }
        assert res["properties"]["cwe"] == list(finding.cwe)
        assert res["properties"]["analyzers"] == ["patterns"]
    assert by_rule["py/tls-verification-disabled"]["level"] == "error"
    assert by_rule["py/weak-hash"]["level"] == "warning"
    assert by_rule["py/weak-hash"]["properties"]["cwe"] == ["CWE-328", "CWE-327"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == []


def test_flows_suppressions_triage_and_model_rules() -> None:
    result = rich_result()
    run = sarif(result)["runs"][0]
    results = run["results"]
    assert len(results) == len(result.findings)
    sqli = next(r for r in results if r["ruleId"] == "py/sql-injection")
    assert sqli["level"] == "error"
    (flow,) = sqli["codeFlows"]
    steps = flow["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "request.args.get('q')",
        "formatted into sql",
        "cursor.execute(sql)",
    ]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [38, 7, 42]
    assert steps[1]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "app/util.py"
    assert sqli["properties"]["triage.verdict"] == "true_positive"
    assert sqli["properties"]["triage.models"] == ["glm", "qwen"]
    assert sqli["properties"]["extra"] == {"sink": "cursor.execute"}
    assert all("codeFlows" not in r for r in results if r["ruleId"] != "py/sql-injection")

    hashes = sorted(
        (r for r in results if r["ruleId"] == "py/weak-hash"),
        key=lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"],
    )
    assert "suppressions" not in hashes[0]
    assert [r["suppressions"][0]["kind"] for r in hashes[1:]] == ["inSource", "external", "external"]
    assert hashes[1]["suppressions"][0]["justification"] == "legacy checksum, not security"
    assert "justification" not in hashes[3]["suppressions"][0]

    # The model's rule is not in the catalogue: a descriptor is built from the finding.
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {r.id for r in result.rules} | {"model/path-traversal", "py/long"}
    model_rule = rules["model/path-traversal"]
    assert "external/cwe/cwe-22" in model_rule["properties"]["tags"]
    model = next(r for r in results if r["ruleId"] == "model/path-traversal")
    assert model["properties"]["analyzers"] == ["model:glm"]
    assert "model:glm" in model["message"]["text"]
    # A path with a space, a pipe and backticks becomes a percent-encoded relative URI.
    uri = model["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/files%7Codd%20%60name%60.py"


def test_skipped_files_and_notes_become_notifications() -> None:
    result = rich_result()
    run = sarif(result)["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    warnings = [n for n in notes if n["level"] == "warning" and "path" in n["properties"]]
    assert sorted(n["properties"]["path"] for n in warnings) == sorted(s.path for s in result.skipped)
    # languages with text checks only make the run incomplete too: warnings, naming the language
    text_only = [n for n in notes if n["descriptor"]["id"] == "unsupported-language"]
    assert [(n["level"], n["properties"]) for n in text_only] == [
        ("warning", {"language": "go", "files": 1}),
        ("warning", {"language": "javascript", "files": 3}),
    ]
    assert "text checks only" in text_only[0]["message"]["text"]
    big = next(n for n in warnings if n["properties"]["path"] == "big.py")
    assert "too-large" in big["message"]["text"] and "5242880" in big["message"]["text"]
    assert big["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "big.py"
    assert not [n for n in notes if n["level"] == "error"]
    texts = [n["message"]["text"] for n in notes]
    assert "model glm did not analyse 3 units: policy" in texts
    assert any("app/old.py:5" in t for t in texts)
    assert run["properties"]["notes"] == list(result.notes)
    usage = {u["model"]: u for u in run["properties"]["modelUsage"]}
    assert usage["glm"]["tokens_in"] == 12345 and usage["glm"]["cost_usd"] == pytest.approx(0.0123)


def test_nothing_analysed_is_an_error_notification() -> None:
    run = sarif(nothing_analysed_result())["runs"][0]
    assert run["results"] == []
    notes = run["invocations"][0]["toolExecutionNotifications"]
    errors = [n for n in notes if n["level"] == "error"]
    assert len(errors) == 1 and "Nothing was analysed" in errors[0]["message"]["text"]
    assert run["properties"]["nothingAnalysed"] is True and run["properties"]["complete"] is False


def test_a_scan_of_a_subdirectory_names_files_from_the_repository_root(tmp_path: Path, cli: Any) -> None:
    """`vulnhound scan src -f sarif` from anywhere: GitHub resolves URIs from the checkout's
    root, so they read `src/pkg/client.py`, not `pkg/client.py`."""
    import subprocess

    from reporting_fixtures import REAL_SOURCE

    repo = tmp_path / "repo"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "src" / "pkg" / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "docs" / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    logs = {}
    for target in ("src", "docs"):
        done = cli("scan", repo / target, "-f", "sarif", "-o", tmp_path / f"{target}.sarif")
        assert done.returncode == 1, done.stderr
        log = json.loads((tmp_path / f"{target}.sarif").read_text(encoding="utf-8"))
        errors = list(_validator().iter_errors(log))
        assert not errors, errors[:3]
        logs[target] = log["runs"][0]
    src, docs = logs["src"], logs["docs"]
    assert src["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in src["results"]}
    assert uris == {"src/pkg/client.py"}
    # two scans of one repository keep separate categories, so neither closes the other's alerts
    assert src["automationDetails"]["id"] == "vulnhound/src/"
    assert docs["automationDetails"]["id"] == "vulnhound/docs/"
    outside = cli("scan", tmp_path / "repo" / "src" / "pkg" / "client.py", "-f", "sarif", cwd=tmp_path)
    run = json.loads(outside.stdout)["runs"][0]
    (uri,) = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uri == "src/pkg/client.py"
