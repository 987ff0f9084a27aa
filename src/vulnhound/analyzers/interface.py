"""The port every analyzer implements: the taint engine, pattern rules, models, SARIF import.

An analyzer sees the whole set of decoded files at once (the taint engine needs the
whole program) and returns findings plus what it could not analyse. It never prints,
never exits and never touches the network except through the egress guard it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from vulnhound.findings import Finding
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SourceFile

if TYPE_CHECKING:
    from vulnhound.config import Config
    from vulnhound.diffscan import ChangedCode


@dataclass(frozen=True)
class AnalysisContext:
    """What an analyzer may use besides the files themselves."""

    config: Config
    rules: RuleCatalog
    # Called once per finished file so the CLI can draw progress; may be a no-op.
    progress: Callable[[int], None] = field(default=lambda _n: None)
    # A diff scan's change: model analyzers spend requests only on code it touches.
    changed: ChangedCode | None = None
    # Paths whose findings are wanted (the result cache re-analysing what a change reaches); a
    # whole-program analyzer may analyse the other files only as far as those need them.
    focus: frozenset[str] | None = None


@dataclass(frozen=True)
class AnalyzerOutput:
    findings: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "model glm did not analyse 3 units: policy"
    model_usage: tuple[Any, ...] = ()  # vulnhound.result.ModelUsage, for model analyzers
    extras: tuple[tuple[str, object], ...] = ()  # e.g. ("agreement", matrix) for consensus


@dataclass(frozen=True)
class StageOutput:
    """What a post-analysis stage (model triage, consensus) hands back."""

    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    model_usage: tuple[Any, ...] = ()  # vulnhound.result.ModelUsage
    extras: tuple[tuple[str, object], ...] = ()


@runtime_checkable
class Stage(Protocol):
    """A pass over the merged findings of all analyzers, before suppressions and filters.

    Model triage is one: it may attach verdicts and mark findings suppressed by triage.
    """

    @property
    def name(self) -> str: ...

    def run(
        self, findings: Sequence[Finding], files: Sequence[SourceFile], context: AnalysisContext
    ) -> StageOutput: ...


@runtime_checkable
class Analyzer(Protocol):
    """An analysis pass over the decoded files of a scan.

    An analyzer may set a class attribute ``text_only = True`` when it reads files as plain
    text (secrets, AI-directed comments): files only such analyzers read are reported as
    having had no vulnerability analysis.

    An analyzer may set a class attribute ``cache_scope`` to ``"file"`` (its findings for a
    file depend on that file alone) or ``"program"`` (on the whole program) to have its results
    reused while their inputs are unchanged (see :mod:`vulnhound.resultcache`).

    An analyzer may set a class attribute ``per_file = True`` when it analyses each file on
    its own and iterates over ``files`` once, in order, finishing a file before taking the
    next: the runner then holds it to ``Config.per_file_timeout`` on every file, interrupting
    it where it can, and reports an overrun as a TIMEOUT skip of that file alone
    (see :mod:`vulnhound.analyzers.runner`). Analyzers without it enforce the limit
    themselves, as the taint engine does.
    """

    @property
    def name(self) -> str: ...

    def languages(self) -> frozenset[str]:
        """Languages this analyzer reads; the pipeline gives it only such files."""
        ...

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        """The rules this analyzer can report, for SARIF's rule table and `vulnhound rules`."""
        ...

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput: ...
