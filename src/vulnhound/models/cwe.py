"""The CWE catalogue model answers are checked against (``rules/data/cwe-catalogue.toml``).

Models invent plausible-looking CWE numbers; a finding must name a weakness we know.
The list ships beside the rule files so that it is package data like them.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from vulnhound.errors import RuleError
from vulnhound.rules.catalog import normalize_cwe


@cache
def known_cwes() -> dict[str, str]:
    text = resources.files("vulnhound.rules").joinpath("data/cwe-catalogue.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text).get("cwe", {})
    return {str(k): str(v) for k, v in table.items()}


def check_cwe(value: str) -> str | None:
    """``CWE-89`` for a well-formed, known id ('cwe-089' too); None otherwise."""
    try:
        cwe = normalize_cwe(value)
    except RuleError:
        return None
    return cwe if cwe in known_cwes() else None
