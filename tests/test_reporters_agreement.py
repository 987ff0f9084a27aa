"""Consensus runs leave an agreement matrix; every human-facing report shows it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema

from reporting_fixtures import rich_result
from vulnhound.reporters import ReportOptions, render
from vulnhound.result import ScanResult

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
AGREEMENT = {
    "models": ["glm", "qwen", "claude"],
    "matrix": [[5, 3, 4], [3, 4, 2], [4, 2, 6]],
    "findings": 8,
    "threshold": 2,
}


def _with_agreement() -> ScanResult:
    base = rich_result()
    return replace(base, extras=(*base.extras, ("agreement", AGREEMENT)))


def test_text_and_markdown_show_the_matrix() -> None:
    result = _with_agreement()
    text = render("text", result, ReportOptions(width=120))
    assert "Model agreement (a finding stands when 2 agree)" in text
    table = text.split("Model agreement", 1)[1].splitlines()[1:5]
    assert [line.split() for line in table] == [
        ["glm", "qwen", "claude"],
        ["glm", "5", "3", "4"],
        ["qwen", "3", "4", "2"],
        ["claude", "4", "2", "6"],
    ]
    markdown = render("markdown", result)
    assert "| `glm` | 5 | 3 | 4 |" in markdown and "| `claude` | 4 | 2 | 6 |" in markdown


def test_sarif_carries_the_matrix_and_stays_valid() -> None:
    doc = json.loads(render("sarif", _with_agreement()))
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(doc)
    assert doc["runs"][0]["properties"]["modelAgreement"] == [
        {"models": AGREEMENT["models"], "matrix": AGREEMENT["matrix"], "threshold": 2}
    ]


def test_a_malformed_matrix_is_ignored_not_fatal() -> None:
    base = rich_result()
    broken = replace(base, extras=(("agreement", {"models": ["a"], "matrix": [[1, 2]]}),))
    for fmt in ("text", "markdown", "sarif", "json"):
        assert "Model agreement" not in render(fmt, broken)
