"""The ``ai-directives`` analyzer: text in scanned code addressed to AI reviewers (CWE-1427).

Deterministic and offline; it runs in every scan. The same detector guards triage: a
finding whose context contains such text may not be dismissed by a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.languages import EXTENSIONS
from vulnhound.rules.catalog import RuleCatalog, RuleInfo, builtin_rule_files, load_rule_file
from vulnhound.sources import SourceFile

NAME = "ai-directives"


def compile_patterns(rule: RuleInfo) -> tuple[re.Pattern[str], ...]:
    raw = rule.data.get("patterns", [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'patterns' must be a list of strings")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise RuleError(f"{rule.origin}: rule '{rule.id}': bad pattern: {exc}") from exc


@cache
def _builtin_patterns() -> tuple[re.Pattern[str], ...]:
    patterns: list[re.Pattern[str]] = []
    for name, text in builtin_rule_files():
        for rule in load_rule_file(name, text):
            if rule.analyzer == NAME:
                patterns.extend(compile_patterns(rule))
    return tuple(patterns)


def find_directive(text: str) -> str | None:
    """The first line of ``text`` that addresses AI reviewers, or None."""
    patterns = _builtin_patterns()
    for line in text.splitlines():
        if any(p.search(line) for p in patterns):
            return line.strip()
    return None


class DirectiveAnalyzer:
    """Reports lines that try to steer model-based review."""

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset(EXTENSIONS.values())

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        compiled = [(rule, compile_patterns(rule)) for rule in self.rules(context.rules)]
        findings: list[Finding] = []
        for source in files:
            for number, line in enumerate(source.lines, start=1):
                for rule, patterns in compiled:
                    match = next((m for p in patterns if (m := p.search(line))), None)
                    if match is None:
                        continue
                    findings.append(
                        Finding(
                            rule_id=rule.id,
                            cwe=rule.cwe,
                            severity=rule.severity,
                            confidence=rule.confidence,
                            message=f"{rule.short_description} ({match.group(0)!r})",
                            location=Location(
                                source.path, number, match.start() + 1, number, match.end() + 1
                            ),
                            analyzers=(NAME,),
                        )
                    )
                    break
            context.progress(1)
        return AnalyzerOutput(tuple(findings))
