"""The ``ai-directives`` analyzer: text in scanned code addressed to AI reviewers (CWE-1427).

Deterministic and offline; it runs in every scan. The same detector guards triage: a
finding whose context contains such text may not be dismissed by a model.

Speed: the patterns are searched line by line, which is slow over a whole tree. Each
pattern's literal words (``ignore`` or ``disregard`` ..., then ``instructions`` or ...) are
read from its parsed form; a file lacking them, case-insensitively, cannot match, and its
lines are not searched at all. In a file that has them, only the lines holding one of its
rarest words are searched.
"""

from __future__ import annotations

import bisect
import importlib
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.languages import ALL_LANGUAGES
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
_FOLDED = "\u0130\u0131\u017f\u212a"
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

# What a match must contain: a lower-case ASCII word, or ("all"|"any", parts).
_Need = str | tuple[str, tuple["_Need", ...]]
_ANYTHING: _Need = ("all", ())


def _all(parts: list[_Need]) -> _Need:
    return parts[0] if len(parts) == 1 else ("all", tuple(parts))


def _sequence_needs(items: Any) -> list[_Need]:
    """What a parsed sequence needs: its literal runs and what its required parts need."""
    needs: list[_Need] = []
    run: list[str] = []
    for op, arg in items:
        if op is _const.LITERAL and chr(arg).isascii():
            run.append(chr(arg).lower())
            continue
        if run:
            needs.append("".join(run))
            run = []
        if op is _const.SUBPATTERN:
            needs.extend(_sequence_needs(arg[-1]))
        elif op is _const.BRANCH:
            branches = [_sequence_needs(b) for b in arg[1]]
            if all(branches):  # an alternative needing nothing makes the whole branch need nothing
                needs.append(("any", tuple(_all(b) for b in branches)))
        elif op in _REPEATS and arg[0] >= 1:
            needs.extend(_sequence_needs(arg[2]))
        # Anything else (classes, assertions, back references) needs no word.
    if run:
        needs.append("".join(run))
    return needs


def required_words(pattern: re.Pattern[str]) -> _Need:
    """What every match of ``pattern`` contains, lower-cased; nothing when unknown."""
    try:
        needs = _sequence_needs(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unexpected parse tree: no shortcut, never a wrong one
        return _ANYTHING
    return _all(needs) if needs else _ANYTHING


def folded(text: str) -> str:
    """``text`` lower-cased so that a word of :func:`required_words` is a plain substring."""
    if text.isascii() or not any(c in text for c in _FOLDED):
        return text.lower()
    return text.translate(_FOLD).lower()


def may_match(need: _Need, lowered: str) -> bool:
    """False only when no text with ``lowered`` as its folded form can hold a match."""
    if isinstance(need, str):
        return need in lowered
    kind, parts = need
    if kind == "all":
        return all(may_match(p, lowered) for p in parts)
    return any(may_match(p, lowered) for p in parts)


def compile_patterns(rule: RuleInfo) -> tuple[re.Pattern[str], ...]:
    raw = rule.data.get("patterns", [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'patterns' must be a list of strings")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise RuleError(f"{rule.origin}: rule '{rule.id}': bad pattern: {exc}") from exc


def _anchors(need: _Need) -> frozenset[str] | None:
    """Words one of which every matching line holds, chosen to be rare; None: unknown.

    Of the parts that a match needs all of, the one whose shortest word is longest is taken:
    long words are rare words.
    """
    if isinstance(need, str):
        return frozenset({need})
    kind, parts = need
    found = [_anchors(p) for p in parts]
    if kind == "any":
        if any(a is None for a in found):
            return None
        return frozenset().union(*(a for a in found if a is not None))
    known = [a for a in found if a is not None]
    if not known:
        return None
    return max(known, key=lambda words: (min(len(w) for w in words), -len(words)))


# Where str.splitlines breaks lines, and those breaks other than "\n".
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_ODD_BREAK = re.compile(r"[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _lines_with(text: str, lowered: str, words: frozenset[str]) -> list[int]:
    """0-based numbers of the ``splitlines`` lines of ``text`` holding one of ``words``
    (``lowered`` has the same length, so offsets agree)."""
    starts: list[int] | None = None
    if _ODD_BREAK.search(text) is not None:
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
    offsets: list[int] = []
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            offsets.append(at)
            # Past this line: another occurrence on it adds nothing.
            end = at + 1 if starts is not None else text.find("\n", at)
            if end < 0:
                break
            at = lowered.find(word, end)
    if starts is not None:
        return sorted({bisect.bisect_right(starts, at) - 1 for at in offsets})
    found: list[int] = []
    line = previous = 0
    for at in sorted(offsets):
        line += text.count("\n", previous, at)
        previous = at
        if not found or found[-1] != line:
            found.append(line)
    return found


def _candidate_lines(text: str, lowered: str, needs: Sequence[_Need]) -> Sequence[int] | None:
    """The lines that may match one of the patterns with ``needs``; None: any line may."""
    if len(lowered) != len(text):
        return None  # lower() lengthened a character: offsets in ``lowered`` are not the text's
    words: set[str] = set()
    for need in needs:
        if may_match(need, lowered):
            anchors = _anchors(need)
            if anchors is None:
                return None
            words |= anchors
    return _lines_with(text, lowered, frozenset(words))


@cache
def _builtin_words() -> tuple[_Need, ...]:
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
        return ALL_LANGUAGES

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
            live = [(r, p, w) for r, p, w in compiled if any(may_match(n, lowered) for n in w)]
            if not live:
                context.progress(1)
                continue
            lines = source.lines
            numbers = _candidate_lines(source.text, lowered, [n for _, _, w in live for n in w])
            for index in range(len(lines)) if numbers is None else numbers:
                line, number = lines[index], index + 1
                for rule, patterns, _ in live:
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
