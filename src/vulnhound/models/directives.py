"""Text in scanned code addressed to AI reviewers (CWE-1427): the ``ai-directives`` analyzer
and the checks triage makes before a model may dismiss a finding.

Detection is by addressee and intent, from the lexicon ``rules/data/ai-lexicon.toml`` (many
languages, as data: :mod:`vulnhound.models.lexicon`), on normalised text
(:mod:`vulnhound.models.normalize`): folded (NFKC-like decomposition, invisible characters
removed, look-alike letters mapped, lower case), and where the text suggests it, despaced,
unleeted, rot13-read or with embedded encodings decoded.

Two strengths:

- :func:`find_directive`, the **strict** check, which the analyzer reports: an order that
  replaces the reader's instructions or names the verdict ("ignore previous instructions",
  "do not report this vulnerability"), or an addressee that is called ("Claude, ...",
  "Hey model, ...", "Note to the triage tool: ...", "LLM: ...") followed by an intent
  ("false positive", "safe", "respond with"), plus the regular expressions of the rule
  (``patterns`` in ``rules/data/ai-directives.toml``).
- :func:`aimed_at_reviewer`, the **broad** check, which triage applies to the code it shows a
  model: anything strict, a stated verdict ("known false positive", "not a vulnerability"), or
  an addressee near an intent within a few lines. A finding whose code holds such text may
  never be dismissed by a model.

The pieces: :mod:`~vulnhound.models.lexicon` (the terms and their syntax),
:mod:`~vulnhound.models.lexicon_regex` (their regular expressions, compiled as texts first need
them), :mod:`~vulnhound.models.directive_gate` (which lines are worth reading: the analyzer runs
in every scan, and most lines of most files are not) and
:mod:`~vulnhound.models.directive_detector` (what the lines read say). A rule without
``lexicon = true`` (a user's) has its ``patterns`` searched over the whole text, each match
checked against its own line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import cache

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.languages import ALL_LANGUAGES
from vulnhound.models import normalize
from vulnhound.models.directive_detector import ODD_TO_NEWLINE, Detector, Directive
from vulnhound.models.lexicon import Lexicon, gate_positions, lexicon
from vulnhound.rules.catalog import RuleCatalog, RuleInfo, builtin_documents, parse_rule
from vulnhound.sources import SourceFile

__all__ = [
    "NAME",
    "Detector",
    "Directive",
    "DirectiveAnalyzer",
    "Lexicon",
    "aimed_at_reviewer",
    "compile_patterns",
    "find_directive",
    "gate_positions",
    "lexicon",
]

NAME = "ai-directives"


# --- rules ----------------------------------------------------------------------------------


def compile_patterns(rule: RuleInfo) -> tuple[re.Pattern[str], ...]:
    raw = rule.data.get("patterns", [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'patterns' must be a list of strings")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise RuleError(f"{rule.origin}: rule '{rule.id}': bad pattern: {exc}") from exc


def _uses_lexicon(rule: RuleInfo) -> bool:
    value = rule.data.get("lexicon", False)
    if not isinstance(value, bool):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'lexicon' must be true or false")
    return value


@cache
def _detector(patterns: tuple[re.Pattern[str], ...]) -> Detector:
    return Detector(lexicon(), patterns)


@cache
def _builtin_rules() -> tuple[RuleInfo, ...]:
    rules: list[RuleInfo] = []
    for name, doc in builtin_documents():
        parsed = (parse_rule(table, name, index) for index, table in enumerate(doc.get("rule", [])))
        rules.extend(r for r in parsed if r.analyzer == NAME)
    return tuple(rules)


def _pattern_lines(
    text: str, lines: Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> dict[int, re.Match[str]]:
    """0-based line -> the match, on that line alone, of the first of ``patterns`` matching it.

    Each pattern is searched over the whole text (multi-line mode, line breaks made "\\n"),
    and a match only counts where the pattern matches its line by itself.
    """
    found: dict[int, tuple[int, re.Match[str]]] = {}
    views = [text.replace("\r\n", "\n").translate(ODD_TO_NEWLINE)]
    if not text.isascii():
        views.append(normalize.fold(views[0]))
    for view in views:
        starts = [0, *(m.end() for m in re.finditer("\n", view))]
        view_lines = lines if view is views[0] else view.split("\n")
        for order, pattern in enumerate(patterns):
            multiline = re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
            position = 0
            while position <= len(view):
                match = multiline.search(view, position)
                if match is None:
                    break
                number = bisect.bisect_right(starts, match.start()) - 1
                if number < len(view_lines):
                    own = pattern.search(view_lines[number])
                    if own is not None and (number not in found or found[number][0] > order):
                        found[number] = (order, own)
                if number + 1 >= len(starts):
                    break
                position = starts[number + 1]
    return {n: m for n, (_, m) in found.items()}


def _first_line(text: str, broad: bool) -> str | None:
    best: int | None = None
    lines: list[str] | None = None
    for rule in _builtin_rules():
        patterns = compile_patterns(rule)
        if _uses_lexicon(rule):
            found = _detector(patterns).scan(text, broad=broad, first=True)
            if found and (best is None or found[0].line < best):
                best = found[0].line
        elif patterns:
            lines = lines if lines is not None else text.splitlines()
            numbers = _pattern_lines(text, lines, patterns)
            if numbers and (best is None or min(numbers) < best):
                best = min(numbers)
    if best is None:
        return None
    lines = lines if lines is not None else text.splitlines()
    return lines[best].strip() if best < len(lines) else ""


def find_directive(text: str) -> str | None:
    """The first line of ``text`` (stripped) that addresses AI reviewers, or None (strict)."""
    return _first_line(text, broad=False)


def aimed_at_reviewer(text: str) -> str | None:
    """The first line of ``text`` (stripped) holding text aimed at a model or reviewer that
    judges the code, or None (broad: triage must not let a model dismiss such code)."""
    return _first_line(text, broad=True)


class DirectiveAnalyzer:
    """Reports lines that try to steer model-based review."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code
    cache_scope = "file"  # a file's findings depend on that file alone (vulnhound.resultcache)
    per_file = True  # one file at a time: the runner holds each to per_file_timeout

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return ALL_LANGUAGES

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        detectors: list[tuple[RuleInfo, Detector]] = []
        searched: list[tuple[RuleInfo, tuple[re.Pattern[str], ...]]] = []
        for rule in self.rules(context.rules):
            patterns = compile_patterns(rule)
            if _uses_lexicon(rule):
                detectors.append((rule, _detector(patterns)))
            elif patterns:
                searched.append((rule, patterns))
        findings: list[Finding] = []
        for source in files:
            found: list[Finding] = []
            for rule, detector in detectors:
                for directive in detector.scan(source.text, source.lines):
                    shown = (
                        source.lines[directive.line][directive.start : directive.end]
                        if directive.form == "text"
                        else directive.text
                    )
                    what = repr(shown) if directive.form == "text" else f"{directive.form}: {shown[:120]!r}"
                    found.append(
                        _finding(rule, source.path, directive.line, directive.start, directive.end, what)
                    )
            for rule, patterns in searched:
                for number, match in sorted(_pattern_lines(source.text, source.lines, patterns).items()):
                    found.append(
                        _finding(rule, source.path, number, match.start(), match.end(), repr(match.group(0)))
                    )
            found.sort(key=lambda f: (f.location.start_line, f.location.start_column, f.rule_id))
            findings.extend(found)
            context.progress(1)
        return AnalyzerOutput(tuple(findings))


def _finding(rule: RuleInfo, path: str, line: int, start: int, end: int, what: str) -> Finding:
    return Finding(
        rule_id=rule.id,
        cwe=rule.cwe,
        severity=rule.severity,
        confidence=rule.confidence,
        message=f"{rule.short_description} ({what})",
        location=Location(path, line + 1, start + 1, line + 1, max(end, start) + 1),
        analyzers=(NAME,),
    )
