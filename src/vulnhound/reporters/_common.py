"""Helpers every reporter shares, so that the four formats agree on order, counts and rules.

Reporters must be deterministic (same result, same bytes) and must never crash on odd text,
so ordering, text cleaning and the rule list for findings without catalogue metadata live here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vulnhound.findings import CodeContext, Finding, Location, Severity
from vulnhound.result import ScanResult
from vulnhound.rules.catalog import RuleInfo
from vulnhound.sources import Skipped

TOOL_NAME = "vulnhound"

SEVERITIES: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

# Control characters (other than newline and tab) would let scanned code inject terminal
# escapes or break a table; they are shown as \xNN instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """Text safe to print or write as UTF-8: no control characters, no lone surrogates."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str) -> str:
    """``clean`` with runs of whitespace (newlines included) folded into single spaces."""
    return " ".join(clean(text).split())


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "\u2026"


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by place; the fingerprint and message break remaining ties."""
    return sorted(findings, key=lambda f: (f.sort_key(), f.location, f.fingerprint, f.message, f.analyzers))


def ordered_skipped(skipped: Iterable[Skipped]) -> list[Skipped]:
    return sorted(skipped, key=lambda s: (s.path, s.reason.value, s.analyzer, s.detail))


def skipped_by_reason(skipped: Iterable[Skipped]) -> dict[str, list[Skipped]]:
    """Skipped entries grouped by reason, reasons in name order."""
    groups: dict[str, list[Skipped]] = defaultdict(list)
    for entry in ordered_skipped(skipped):
        groups[entry.reason.value].append(entry)
    return dict(sorted(groups.items()))


def files_not_analysed(result: ScanResult) -> int:
    """Distinct paths named by skipped entries (a file skipped by two analyzers counts once)."""
    return len({s.path for s in result.skipped})


# What every report says of files in a language no code analyzer reads (JavaScript, Go...).
TEXT_ONLY_NOTE = "text checks only (secrets, AI-directed text), no vulnerability analysis"


def text_only_languages(result: ScanResult, counts: bool = True) -> str:
    """``go (1 file), javascript (3 files)``: the languages that had only text checks."""
    return ", ".join(
        f"{lang} ({plural(n, 'file')})" if counts else lang
        for lang, n in sorted(result.unsupported_languages)
    )


def coverage_parts(result: ScanResult) -> tuple[str, str, str]:
    """The coverage every summary states, in the same words and counts:
    ("12 files (3456 lines) analysed", "4 files NOT analysed", "4 files with text checks only
    (go, javascript)"); the last two are "" when there are none."""
    analysed = f"{plural(result.files_analyzed, 'file')} ({plural(result.lines_analyzed, 'line')}) analysed"
    skipped = files_not_analysed(result)
    not_analysed = f"{plural(skipped, 'file')} NOT analysed" if skipped else ""
    text_only = (
        f"{plural(result.text_only_files, 'file')} with text checks only ({text_only_languages(result, False)})"
        if result.unsupported_languages
        else ""
    )
    return analysed, not_analysed, text_only


def coverage_line(result: ScanResult) -> str:
    """``coverage_parts`` as one line: "12 files (3456 lines) analysed; 4 files NOT analysed; ..."."""
    return "; ".join(part for part in coverage_parts(result) if part)


CONTEXT_LABELS: dict[CodeContext, str] = {
    CodeContext.PRODUCTION: "in production code",
    CodeContext.TEST: "in test code",
    CodeContext.EXAMPLE: "in examples",
    CodeContext.DOCS: "in docs",
}


def context_summary(result: ScanResult) -> str:
    """Active findings per code context, those with none left out: "3 in production code, 2 in test code"."""
    return ", ".join(f"{n} {CONTEXT_LABELS[c]}" for c, n in result.context_counts().items() if n)


def location_text(loc: Location, column: bool = True) -> str:
    if column:
        return f"{loc.path}:{loc.start_line}:{loc.start_column}"
    return f"{loc.path}:{loc.start_line}"


def plural(count: int, word: str, many: str = "") -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def cwe_number(cwe: str) -> str:
    """``CWE-89`` -> ``89`` (empty when the id is not of that form)."""
    prefix, _, number = cwe.partition("-")
    return number if prefix.upper() == "CWE" and number.isdigit() else ""


def cwe_url(cwe: str) -> str:
    number = cwe_number(cwe)
    return f"https://cwe.mitre.org/data/definitions/{number}.html" if number else ""


def rule_from_finding(finding: Finding) -> RuleInfo:
    """A minimal rule for a finding whose rule id is not in the catalogue (e.g. a model's).

    Derived only from the finding so that it is the same whichever finding comes first
    for the texts that matter (id, CWE); severity and confidence are the finding's.
    """
    analyzers = ", ".join(finding.analyzers) or "unknown analyzer"
    cwe = ", ".join(finding.cwe) or "no CWE"
    short = f"{finding.rule_id} ({cwe})"
    return RuleInfo(
        id=finding.rule_id,
        name=finding.rule_id,
        cwe=finding.cwe,
        severity=finding.severity,
        confidence=finding.confidence,
        short_description=short,
        full_description=f"Reported by {analyzers}; this rule is not in the vulnhound rule catalogue.",
        help_text=f"Review the finding's message and code flow. Weaknesses: {cwe}.",
        analyzer=finding.analyzers[0] if finding.analyzers else "",
    )


def all_rules(result: ScanResult) -> list[RuleInfo]:
    """Every rule of the result (id order) plus one synthesised rule per unknown rule id."""
    known = {rule.id: rule for rule in result.rules}
    synthesised: dict[str, RuleInfo] = {}
    for finding in ordered(result.findings):
        if finding.rule_id not in known and finding.rule_id not in synthesised:
            synthesised[finding.rule_id] = rule_from_finding(finding)
    return sorted([*known.values(), *synthesised.values()], key=lambda r: r.id)


def used_rules(result: ScanResult) -> list[RuleInfo]:
    """The rules that some finding (suppressed ones included) refers to."""
    used = {f.rule_id for f in result.findings}
    return [rule for rule in all_rules(result) if rule.id in used]


@dataclass(frozen=True)
class Agreement:
    """How often each pair of models reported the same finding (diagonal: each model's total)."""

    models: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    findings: int
    threshold: int


def agreements(result: ScanResult) -> list[Agreement]:
    """The consensus agreement matrices analyzers left in ``result.extras``, validated."""
    found: list[Agreement] = []
    for key, value in result.extras:
        if key != "agreement" or not isinstance(value, dict):
            continue
        models, matrix = value.get("models"), value.get("matrix")
        if not (isinstance(models, list) and isinstance(matrix, list) and len(matrix) == len(models)):
            continue
        if not all(isinstance(row, list) and len(row) == len(models) for row in matrix):
            continue
        found.append(
            Agreement(
                tuple(str(m) for m in models),
                tuple(tuple(int(c) for c in row) for row in matrix),
                int(value.get("findings", 0)),
                int(value.get("threshold", 1)),
            )
        )
    return found


def repository_prefix(result: ScanResult) -> str:
    """The scan root relative to the repository root ("" when they are the same, or unknown)."""
    if not result.repo_root:
        return ""
    try:
        relative = PurePosixPath(Path(result.root).as_posix()).relative_to(Path(result.repo_root).as_posix())
    except ValueError:
        return ""
    return "" if str(relative) == "." else str(relative)
