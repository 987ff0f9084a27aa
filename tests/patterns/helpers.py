"""Run the real ``patterns`` analyzer, with the shipped rules, over inline snippets."""

from __future__ import annotations

import textwrap
from functools import cache

from vulnhound.analyzers.interface import AnalysisContext
from vulnhound.analyzers.patterns import PatternAnalyzer
from vulnhound.config import Config
from vulnhound.findings import Finding
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile


@cache
def catalog() -> RuleCatalog:
    return RuleCatalog.load()


def analyze(code: str, path: str = "app.py", rules: RuleCatalog | None = None) -> list[Finding]:
    source = SourceFile(path, "/nowhere/" + path, "python", textwrap.dedent(code))
    context = AnalysisContext(Config(), rules or catalog())
    output = PatternAnalyzer().analyze([source], context)
    assert not output.skipped, output.skipped
    return list(output.findings)


def hits(code: str, path: str = "app.py") -> list[tuple[str, int]]:
    """(rule id, line) of every finding, in line order."""
    return [(f.rule_id, f.location.start_line) for f in analyze(code, path)]


def rule_ids(code: str, path: str = "app.py") -> set[str]:
    return {f.rule_id for f in analyze(code, path)}
