"""SARIF 2.1.0 from any tool as findings.

CWE ids are gathered wherever tools put them: the result's or rule's ``properties`` (``cwe``
keys and ``tags`` such as CodeQL's ``external/cwe/cwe-089``), taxa and rule relationships
pointing into a CWE taxonomy, and a rule id that is itself a CWE id. Results of kind ``pass``
or ``notApplicable`` and results whose baseline state is ``absent`` are not findings;
suppressed results are imported marked suppressed.
"""

from __future__ import annotations

from typing import Any

from vulnhound.errors import UsageError
from vulnhound.findings import Confidence, Finding, Suppression, SuppressionKind
from vulnhound.importers.common import confidence_of, cwe_ids, location, severity_of, uri_to_path

_NOT_FINDINGS = {"pass", "notApplicable"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _property_cwes(properties: dict[str, Any]) -> tuple[str, ...]:
    values: list[Any] = []
    for key, value in properties.items():
        if key.lower() in {"cwe", "cwes", "cwe_id", "cwe-id", "tags"}:
            values.extend(value if isinstance(value, list) else [value])
    return cwe_ids(values)


def _reference_cwes(references: list[Any], taxonomies: set[str]) -> tuple[str, ...]:
    """CWE ids from taxa / relationships, which name the taxonomy and an id like ``89``."""
    values: list[Any] = []
    for ref in references:
        ref = _dict(ref)
        target = _dict(ref.get("target")) or ref
        component = str(_dict(target.get("toolComponent")).get("name", ""))
        ident = target.get("id")
        if component.upper() == "CWE" or component in taxonomies:
            values.append(str(ident))
        elif isinstance(ident, str):
            values.extend(cwe_ids([ident]))
    return cwe_ids(values)


def _rule_cwes(rule: dict[str, Any], taxonomies: set[str]) -> tuple[str, ...]:
    return cwe_ids(
        [
            *_property_cwes(_dict(rule.get("properties"))),
            *_reference_cwes(_list(rule.get("relationships")), taxonomies),
            *(cwe_ids([rule.get("id", "")]) if str(rule.get("id", "")).upper().startswith("CWE") else ()),
        ]
    )


def _base_uris(run: dict[str, Any]) -> dict[str, str]:
    return {
        name: uri_to_path(str(_dict(value).get("uri", "")))
        for name, value in _dict(run.get("originalUriBaseIds")).items()
    }


def _path(physical: dict[str, Any], run: dict[str, Any], bases: dict[str, str]) -> str:
    artifact = _dict(physical.get("artifactLocation"))
    uri = artifact.get("uri")
    base_id = artifact.get("uriBaseId")
    index = artifact.get("index")
    if uri is None and isinstance(index, int):
        artifacts = _list(run.get("artifacts"))
        if 0 <= index < len(artifacts):
            located = _dict(_dict(artifacts[index]).get("location"))
            uri, base_id = located.get("uri"), located.get("uriBaseId", base_id)
    path = uri_to_path(str(uri or ""))
    base = bases.get(str(base_id)) if base_id else None
    if base and not path.startswith("/"):
        path = base.rstrip("/") + "/" + path
    return path


def from_sarif(document: Any) -> list[Finding]:
    runs = document.get("runs") if isinstance(document, dict) else None
    if not isinstance(runs, list):
        raise UsageError("SARIF without a 'runs' list")
    findings: list[Finding] = []
    for run in map(_dict, runs):
        driver = _dict(_dict(run.get("tool")).get("driver"))
        tool = str(driver.get("name") or "sarif")
        taxonomies = {
            str(t.get("name")) for t in map(_dict, _list(run.get("taxonomies"))) if t.get("name") == "CWE"
        }
        rules = [_dict(r) for r in _list(driver.get("rules"))]
        by_id = {str(r.get("id")): r for r in rules if r.get("id")}
        bases = _base_uris(run)
        for result in map(_dict, _list(run.get("results"))):
            if result.get("kind") in _NOT_FINDINGS or result.get("baselineState") == "absent":
                continue
            rule_ref = _dict(result.get("rule"))
            rule_id = str(result.get("ruleId") or rule_ref.get("id") or "")
            index = result.get("ruleIndex", rule_ref.get("index"))
            rule = by_id.get(rule_id) or (
                rules[index] if isinstance(index, int) and 0 <= index < len(rules) else {}
            )
            rule_id = rule_id or str(rule.get("id") or "sarif")
            cwe = cwe_ids(
                [
                    *_property_cwes(_dict(result.get("properties"))),
                    *_reference_cwes(_list(result.get("taxa")), taxonomies),
                    *_rule_cwes(rule, taxonomies),
                ]
            )
            level = result.get("level") or _dict(rule.get("defaultConfiguration")).get("level")
            message = _dict(result.get("message")).get("text") or rule_id
            suppressed = any(
                _dict(s).get("status") not in {"rejected", "underReview"}
                for s in _list(result.get("suppressions"))
            )
            locations = _list(result.get("locations")) or [{}]
            for loc in map(_dict, locations[:1]):
                physical = _dict(loc.get("physicalLocation"))
                region = _dict(physical.get("region"))
                findings.append(
                    Finding(
                        rule_id=rule_id,
                        cwe=cwe,
                        severity=severity_of(level, default=severity_of("warning")),
                        confidence=severity_confidence(result),
                        message=str(message),
                        location=location(
                            _path(physical, run, bases),
                            region.get("startLine"),
                            region.get("startColumn", 1),
                            region.get("endLine", 0),
                            region.get("endColumn", 0),
                        ),
                        analyzers=(tool,),
                        suppression=Suppression(SuppressionKind.INLINE, "suppressed in the imported SARIF")
                        if suppressed
                        else None,
                        properties=(("tool", tool),),
                    )
                )
    return findings


def severity_confidence(result: dict[str, Any]) -> Confidence:
    """SARIF has no confidence field; tools that record one put it in ``properties``."""
    return confidence_of(_dict(result.get("properties")).get("confidence"))
