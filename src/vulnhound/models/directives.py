"""The ``ai-directives`` analyzer: text in scanned code addressed to AI reviewers (CWE-1427).

Deterministic and offline; it runs in every scan. The same detector guards triage: a
finding whose context contains such text may not be dismissed by a model.

Speed: the patterns are searched line by line, which is slow over a whole tree. Each
pattern's literal words (``ignore`` or ``disregard`` ..., then ``instructions`` or ...) are
read from its parsed form; a file lacking them, case-insensitively, cannot match, and its
lines are not searched at all.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.languages import EXTENSIONS
from vulnhound.rules.catalog import RuleCatalog, RuleInfo, builtin_rule_files, load_rule_file
from vulnhound.sources import SourceFile

NAME = "ai-directives"

# re's own parser (no type stubs): patterns as a tree of (opcode, argument) items.
_parser: Any = importlib.import_module("re._parser")
_const: Any = importlib.import_module("re._constants")
_REPEATS = frozenset(
    getattr(_const, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_const, n)
)
# Characters that IGNORECASE matches with an ASCII letter but whose lower() is not that letter.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

# Words: sets of lower-case ASCII strings; every match contains one string of each set.
_Words = tuple[frozenset[str], ...]


def _sequence_words(items: Any) -> list[frozenset[str]]:
    """The word sets of a parsed sequence: its literal runs and required groups."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in items:
        if op is _const.LITERAL and chr(arg).isascii():
            run.append(chr(arg).lower())
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        if op is _const.SUBPATTERN:
            found.extend(_sequence_words(arg[-1]))
        elif op is _const.BRANCH:
            either = _branch_words(arg[1])
            if either:
                found.append(either)
        elif op in _REPEATS and arg[0] >= 1:
            found.extend(_sequence_words(arg[2]))
        # Anything else (classes, assertions, back references) requires no word.
    if run:
        found.append(frozenset({"".join(run)}))
    return found


def _branch_words(branches: Any) -> frozenset[str] | None:
    """One set for alternatives: each one's most selective set, together; None if one has none."""
    words: set[str] = set()
    for branch in branches:
        sets = _sequence_words(branch)
        if not sets:
            return None
        words |= max(sets, key=lambda s: min(len(w) for w in s))
    return frozenset(words)


def required_words(pattern: re.Pattern[str]) -> _Words:
    """Word sets every match of ``pattern`` contains (lower-cased); () when none are known."""
    try:
        return tuple(_sequence_words(_parser.parse(pattern.pattern, pattern.flags)))
    except Exception:  # an unexpected parse tree: no shortcut, never a wrong one
        return ()


def folded(text: str) -> str:
    """``text`` lower-cased so that a word of :func:`required_words` is a plain substring."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def may_match(words: _Words, lowered: str) -> bool:
    return all(any(w in lowered for w in either) for either in words)


def compile_patterns(rule: RuleInfo) -> tuple[re.Pattern[str], ...]:
    raw = rule.data.get("patterns", [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'patterns' must be a list of strings")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise RuleError(f"{rule.origin}: rule '{rule.id}': bad pattern: {exc}") from exc


@cache
def _builtin_words() -> tuple[_Words, ...]:
    return tuple(required_words(p) for p in _builtin_patterns())


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
    lowered = folded(text)
    if not any(may_match(words, lowered) for words in _builtin_words()):
        return None
    for line in text.splitlines():
        if any(p.search(line) for p in patterns):
            return line.strip()
    return None


class DirectiveAnalyzer:
    """Reports lines that try to steer model-based review."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset(EXTENSIONS.values())

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        compiled = []
        for rule in self.rules(context.rules):
            patterns = compile_patterns(rule)
            compiled.append((rule, patterns, tuple(required_words(p) for p in patterns)))
        findings: list[Finding] = []
        for source in files:
            lowered = folded(source.text)
            # A rule none of whose patterns may match the file cannot match any of its lines.
            live = [(r, p) for r, p, words in compiled if any(may_match(w, lowered) for w in words)]
            if not live:
                context.progress(1)
                continue
            for number, line in enumerate(source.lines, start=1):
                for rule, patterns in live:
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
