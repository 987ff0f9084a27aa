"""`.vulnhound/specs.toml`: inferred labels as a reviewable rule file.

The file has the schema of any user rule file (sources, sanitizers, propagators, and one
`spec/<kind>` rule per sink kind), so a scan reads it like any other, with no model. Every
entry carries `inferred = { model, reason, seen }`: who said so, why, and the SHA-256 of the
request it answered, so a reviewer can tell a model's guess from a team's decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from vulnhound.rules.catalog import RuleInfo
from vulnhound.scanner import INFERRED_SPECS as SPECS_FILE
from vulnhound.specs.infer import Label

RULE_PREFIX = "spec/"
__all__ = ["RULE_PREFIX", "SPECS_FILE", "render"]


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def _inferred(label: Label) -> str:
    return f"inferred = {{ model = {_s(label.model)}, reason = {_s(label.reason)}, seen = {_s('sha256:' + label.seen)} }}"


def render(labels: Sequence[Label], rules: Sequence[RuleInfo], header: str = "") -> str:
    """The rule file for these labels; ``rules`` give each sink kind its CWE and severity."""
    by_kind: dict[str, RuleInfo] = {}
    for rule in rules:
        kind = str(rule.data.get("kind", ""))
        if kind and rule.data.get("sink") and not rule.data.get("sources"):
            by_kind.setdefault(kind, rule)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out = [
        f"# Inferred by `vulnhound specs infer` on {stamp}{header}.",
        "# A model labelled these APIs; review each entry before trusting it (delete what is wrong).",
        "# `inferred.seen` is the SHA-256 of the request the model answered (see the egress ledger).",
        "",
    ]
    for label in sorted(labels, key=lambda lb: (lb.role, lb.kind, lb.candidate)):
        if label.role == "source":
            out += [
                "[[source]]",
                'kind = "remote"',
                'confidence = "medium"',
                f"names = {_list([label.candidate])}",
            ]
        elif label.role == "sanitizer":
            out += ["[[sanitizer]]", f"calls = {_list([label.candidate])}", f"clears = {_list(label.clears)}"]
        elif label.role == "propagator":
            out += ["[[propagator]]", f"calls = {_list([label.candidate])}"]
        else:
            continue
        out += [_inferred(label), ""]
    sinks = [lb for lb in labels if lb.role == "sink" and lb.kind in by_kind]
    for kind in sorted({lb.kind for lb in sinks}):
        base = by_kind[kind]
        out += [
            "[[rule]]",
            f"id = {_s(RULE_PREFIX + base.id.rsplit('/', 1)[-1])}",
            'analyzer = "engine"',
            f"kind = {_s(kind)}",
            f"name = {_s(base.name + ' (inferred sink)')}",
            f"cwe = {_list(list(base.cwe))}",
            f"severity = {_s(base.severity.value)}",
            'confidence = "medium"',
            f"short_description = {_s(base.short_description)}",
            f"full_description = {_s(base.full_description + ' The sink was labelled by a model (vulnhound specs infer).')}",
            f"help = {_s(base.help_text)}",
            'tags = ["taint", "inferred"]',
            "",
        ]
        for label in sorted((lb for lb in sinks if lb.kind == kind), key=lambda lb: lb.candidate):
            args = list(range(8)) if label.argument < 0 else [label.argument]
            out += [
                "[[rule.sink]]",
                f"calls = {_list([label.candidate])}",
                f"args = {args}",
                _inferred(label),
                "",
            ]
    return "\n".join(out).rstrip() + "\n"
