"""The ``secrets`` analyzer: hard-coded credentials (CWE-798) in every language read.

It runs the detector the egress guard redacts with, so what the guard hides from models
is what a normal offline scan reports. Messages show a masked form, never the secret.
Placeholder values (``changeme``, ``<password>``, ``${VAR}``) are skipped, not reported;
files under tests are reported like any other (test credentials leak too).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.findings import Finding, Location
from vulnhound.guard.secrets import SecretDetector, SecretMatch
from vulnhound.languages import EXTENSIONS
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import SourceFile

NAME = "secrets"

_LABELS = {
    "private-key": "private key",
    "aws-access-key-id": "AWS access key id",
    "aws-secret-access-key": "AWS secret access key",
    "github-token": "GitHub token",
    "gitlab-token": "GitLab token",
    "slack-token": "Slack token",
    "slack-webhook": "Slack webhook URL",
    "stripe-key": "Stripe key",
    "google-api-key": "Google API key",
    "jwt": "JSON Web Token",
    "bearer-token": "bearer token",
    "basic-auth": "HTTP basic credentials",
    "url-password": "password in a URL",
    "password-assignment": "credential",
    "high-entropy-string": "high-entropy string",
}


class _Positions:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


def _message(match: SecretMatch) -> str:
    label = _LABELS.get(match.kind, match.kind)
    named = f" assigned to '{match.name}'" if match.name else ""
    return f"Hard-coded {label}{named}: {match.masked()}"


def _masked_line(text: str, line_start: int, matches: Sequence[SecretMatch]) -> str:
    """The line starting at offset ``line_start`` with every secret on it masked: reports
    quote the code, never the secret."""
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end == -1 else line_end
    pieces: list[str] = []
    position = line_start
    for match in matches:
        if match.end <= line_start or match.start >= line_end:
            continue
        start = max(match.start, line_start)
        pieces.append(text[position:start])
        pieces.append(match.masked())
        position = min(max(match.end, position), line_end)
    pieces.append(text[position:line_end])
    return "".join(pieces).strip()


class SecretsAnalyzer:
    """Reports hard-coded secrets found by :class:`SecretDetector`."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code

    def __init__(self, detector: SecretDetector | None = None) -> None:
        self._detector = detector

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset(EXTENSIONS.values())

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        detector = self._detector or SecretDetector.default()
        findings: list[Finding] = []
        for source in files:
            findings.extend(self._scan(source, detector, context.rules))
            context.progress(1)
        return AnalyzerOutput(tuple(findings))

    def _scan(self, source: SourceFile, detector: SecretDetector, catalog: RuleCatalog) -> list[Finding]:
        matches = detector.find(source.text)
        if not matches:
            return []
        positions = _Positions(source.text)
        found = []
        for match in matches:
            info = catalog.get(match.rule_id)
            if info is None:
                continue  # the rule was removed from the catalog: nothing to report it under
            start_line, start_col = positions.at(match.start)
            end_line, end_col = positions.at(match.end)
            found.append(
                Finding(
                    rule_id=info.id,
                    cwe=info.cwe,
                    severity=match.severity,
                    confidence=match.confidence,
                    message=_message(match),
                    location=Location(source.path, start_line, start_col, end_line, end_col),
                    analyzers=(NAME,),
                    context=f"{match.kind}:{match.name}" if match.name else match.kind,
                    snippet=_masked_line(source.text, match.start - start_col + 1, matches),
                    properties=(("secret_kind", match.kind),),
                )
            )
        return found
