"""The one finding model that every analyzer emits.

Findings are frozen so that filters and reporters can never change what an analyzer
said; later stages derive new findings with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace


class Severity(enum.StrEnum):
    """Impact if the finding is real; ordered by :attr:`rank`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(enum.StrEnum):
    """How sure the analyzer is that the finding is real; independent of severity."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _CONFIDENCE_RANK[self]

    def at_least(self, other: Confidence) -> bool:
        return self.rank >= other.rank


_CONFIDENCE_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


class CodeContext(enum.StrEnum):
    """Where a finding lives, by path conventions (:mod:`vulnhound.code_context`)."""

    PRODUCTION = "production"
    TEST = "test"
    EXAMPLE = "example"
    DOCS = "docs"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A region of a file: relative POSIX path, 1-based lines and columns.

    ``end_column`` is exclusive (the column just after the last character), as in SARIF.
    """

    path: str
    start_line: int
    start_column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.start_line < 1 or self.start_column < 1:
            raise ValueError(f"location {self.path}:{self.start_line}:{self.start_column} is not 1-based")
        if self.end_line == 0:
            object.__setattr__(self, "end_line", self.start_line)
        if self.end_column == 0:
            object.__setattr__(self, "end_column", self.start_column)
        if self.end_line < self.start_line:
            raise ValueError(f"location {self.path}: end line {self.end_line} before start line")


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of a code flow (source first, sink last)."""

    location: Location
    note: str


class Verdict(enum.StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Triage:
    """A model's judgement of a finding."""

    verdict: Verdict
    rationale: str
    confidence: float
    models: tuple[str, ...] = ()


class SuppressionKind(enum.StrEnum):
    INLINE = "inline"  # a `# vulnhound: ignore` comment
    TRIAGE = "triage"  # a model judged it a false positive
    CONSENSUS = "consensus"  # too few models agreed
    REFUTED = "refuted"  # the code contradicts a model's finding


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: SuppressionKind
    justification: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A possible vulnerability.

    ``cwe`` lists the most specific weakness first (``("CWE-95", "CWE-94")``).
    ``fingerprint`` is line independent and filled in by the pipeline, which knows the
    source text; analyzers leave it empty. ``context`` is an optional syntactic anchor
    (e.g. the enclosing function's qualified name) that makes the fingerprint stable.
    ``code_context`` says where the finding lives (production, test, example or docs code),
    set by the pipeline from the file's path; it is no part of the fingerprint.
    """

    rule_id: str
    cwe: tuple[str, ...]
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    analyzers: tuple[str, ...]
    flow: tuple[FlowStep, ...] = ()
    context: str = ""
    snippet: str = ""
    triage: Triage | None = None
    suppression: Suppression | None = None
    fingerprint: str = ""
    line_hash: str = ""
    properties: tuple[tuple[str, str], ...] = field(default=())
    code_context: CodeContext = CodeContext.PRODUCTION

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def unverified(self) -> bool:
        """A model's finding that the code neither verified nor refuted (see models/verify.py)."""
        return ("verification", "unverified") in self.properties

    def sort_key(self) -> tuple[int, str, int, int, str]:
        return (
            -self.severity.rank,
            self.location.path,
            self.location.start_line,
            self.location.start_column,
            self.rule_id,
        )


# The other sources an analyzer saw reach a finding's sink (the flow shows one): written by the
# taint engine, read by diff scans and the result cache. "path:line:column;..." in properties.
OTHER_SOURCES = "other_sources"


def with_other_sources(finding: Finding, sources: Sequence[Location]) -> Finding:
    if not sources:
        return finding
    listed = ";".join(f"{o.path}:{o.start_line}:{o.start_column}" for o in sources)
    return replace(finding, properties=(*finding.properties, (OTHER_SOURCES, listed)))


def source_locations(finding: Finding) -> list[Location]:
    """Where the sources reaching a finding are: its flow's first step and its other sources."""
    found = [finding.flow[0].location] if finding.flow else []
    for item in filter(None, dict(finding.properties).get(OTHER_SOURCES, "").split(";")):
        place = item.rpartition(":")[0]  # path:line:column
        path, _, line = place.rpartition(":")
        if path and line.isdigit():
            found.append(Location(path, int(line)))
    return found
