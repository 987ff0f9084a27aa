"""Another tool's results as an analyzer of the scan: they merge, deduplicate and report
like vulnhound's own findings, so one report covers every scanner a team runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.guard.masking import masked_text, secret_values
from vulnhound.importers import load_findings
from vulnhound.importers.paths import PathIndex
from vulnhound.languages import ALL_LANGUAGES
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import SourceFile


def _root_of(source: SourceFile) -> Path:
    """The scan root, from a file's absolute path minus its relative one."""
    absolute = Path(source.absolute_path)
    return absolute.parents[len(PurePosixPath(source.path).parts) - 1]


class ImportedResults:
    """Findings read from a SARIF, Bandit JSON or Semgrep JSON file (``--import-results``)."""

    text_only = True  # it analyses nothing itself: coverage comes from the other analyzers

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # Read at once, so a bad file is a usage error before any scanning is done.
        self._findings = load_findings(self.path)

    @property
    def name(self) -> str:
        return f"import:{self.path.name}"

    def languages(self) -> frozenset[str]:
        return ALL_LANGUAGES

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return []  # the tool's rule ids are not in the catalogue; reporters describe them

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        if not files:
            return AnalyzerOutput(notes=(f"{self.path}: no scanned file to attribute its results to",))
        index = PathIndex(_root_of(files[0]), (f.path for f in files))
        by_path = {f.path: f for f in files}
        secrets: dict[str, frozenset[str]] = {}
        kept = []
        outside = 0
        for finding in self._findings:
            path = index.resolve(finding.location.path)
            if path is None:
                outside += 1
                continue
            if path not in secrets:
                secrets[path] = secret_values(by_path[path].text, by_path[path].language)
            kept.append(
                replace(
                    finding,
                    location=replace(finding.location, path=path),
                    analyzers=(self.name,),
                    # the other tool may quote the secret it found: masked like our snippets
                    message=masked_text(finding.message, secrets[path]),
                    snippet=masked_text(finding.snippet, secrets[path]),
                )
            )
        notes: tuple[str, ...] = ()
        if outside:
            notes = (f"{self.path}: {outside} imported result(s) name files outside this scan; not reported",)
        return AnalyzerOutput(findings=tuple(kept), notes=notes)
