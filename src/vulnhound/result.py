"""What a scan returns. Reporters are pure functions of this object."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from vulnhound.findings import CodeContext, Confidence, Finding, Location, Severity
from vulnhound.languages import MARKUP_LANGUAGES
from vulnhound.rules.catalog import RuleInfo
from vulnhound.sources import Skipped


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """Tokens, requests and estimated cost one model spent in a scan."""

    model: str
    requests: int = 0
    cached: int = 0
    failures: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    bytes_sent: int = 0  # request bodies as they left the guard


@dataclass(frozen=True)
class ScanResult:
    """The outcome of a scan: findings (suppressed ones included and marked), what was not
    analysed and why, and the counts that make a clean result believable."""

    tool_version: str
    root: str
    targets: tuple[str, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    files_analyzed: int
    lines_analyzed: int
    rules: tuple[RuleInfo, ...]
    analyzers: tuple[str, ...]
    unsupported_languages: tuple[tuple[str, int], ...] = ()
    unused_suppressions: tuple[Location, ...] = ()
    baseline_matched: int = 0
    below_threshold: int = 0
    duration_s: float = 0.0
    min_severity: Severity = Severity.INFO
    min_confidence: Confidence = Confidence.LOW
    model_usage: tuple[ModelUsage, ...] = ()
    notes: tuple[str, ...] = field(default=())
    extras: tuple[tuple[str, object], ...] = field(default=())
    # the repository (the nearest folder above ``root`` holding .git) the scan root lies in, if
    # any: code-scanning reports name files relative to it (SARIF %SRCROOT%)
    repo_root: str = ""
    started_at: float = 0.0  # seconds since the epoch (reports that need a date; 0: unknown)
    # (path, line, code with secrets masked) of every line a reported flow passes through
    flow_lines: tuple[tuple[str, int, str], ...] = ()
    # a diff scan: what it compared with, and how many findings it left out as old or as
    # outside the change ("" and 0 for a full scan)
    diff_base: str = ""
    diff_hidden: int = 0

    @property
    def active(self) -> tuple[Finding, ...]:
        """Findings not suppressed, most severe first."""
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed)

    @property
    def nothing_analysed(self) -> bool:
        """True when no file was analysed: such a result must never read as clean."""
        return self.files_analyzed == 0

    @property
    def text_only_files(self) -> int:
        """Files of a programming language that no code analyzer read (``unsupported_languages``):
        at most the text checks (secrets, AI-directed text) ran on them."""
        return sum(count for _language, count in self.unsupported_languages)

    @property
    def incomplete(self) -> bool:
        """Some file was not analysed, or a file of code got only text checks: ``--strict``
        fails on it and reports do not call it complete (data files such as YAML and templates
        never count)."""
        code_unread = any(language not in MARKUP_LANGUAGES for language, _n in self.unsupported_languages)
        return bool(self.skipped) or self.nothing_analysed or code_unread

    def severity_counts(self) -> dict[Severity, int]:
        counts = Counter(f.severity for f in self.active)
        return {s: counts.get(s, 0) for s in Severity}

    def context_counts(self) -> dict[CodeContext, int]:
        """Active findings per code context (production, test, example, docs), every context listed."""
        counts = Counter(f.code_context for f in self.active)
        return {c: counts.get(c, 0) for c in CodeContext}

    def fails(
        self, threshold: Severity, contexts: Iterable[CodeContext] = (), count_unverified: bool = False
    ) -> bool:
        """An active finding at or above ``threshold`` in production code or one of ``contexts``;
        a model finding the code did not verify counts only with ``count_unverified``."""
        counted = {CodeContext.PRODUCTION, *contexts}
        return any(
            f.severity.at_least(threshold)
            and f.code_context in counted
            and (count_unverified or not f.unverified)
            for f in self.active
        )

    def rule(self, rule_id: str) -> RuleInfo | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None


class ExitCode:
    """Exit codes for CI, distinct for 'found something' and 'could not do the job'."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3


def exit_code(
    result: ScanResult,
    fail_on: Severity,
    strict: bool,
    fail_on_contexts: Iterable[CodeContext] = (),
    count_unverified: bool = False,
) -> int:
    """0 clean, 1 findings at or above ``fail_on``, 3 under ``strict`` when files were skipped
    or got only text checks (``incomplete``).

    Findings count when they live in production code or in one of ``fail_on_contexts``
    (test, example, docs): a vulnerable test helper does not fail a build by default.

    A scan that analysed nothing at all exits 3 even without ``strict``: a mistyped path or
    include glob must not turn CI green. Findings win over incompleteness: a real
    vulnerability must not hide behind a skip.
    """
    if result.fails(fail_on, fail_on_contexts, count_unverified):
        return ExitCode.FINDINGS
    if result.nothing_analysed or (strict and result.incomplete):
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN
