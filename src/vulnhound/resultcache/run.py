"""Run analyzers with the result cache: reuse what is still valid, analyse the rest.

An analyzer opts in with a class attribute ``cache_scope``:

* ``"file"``: its result for a file depends on that file alone (patterns, secrets, AI-directed
  text). Each file's findings and skips are stored under its content hash; only new or
  changed files are analysed.
* ``"program"``: its result depends on the whole program (the taint engine). The last run's
  record of a scan root holds every file's hash, imports, findings and skips. When files
  changed, the *affected* files (the changed ones and every file importing them, directly or
  not) are re-analysed, with everything they import loaded for the summaries their flows go
  through (``AnalysisContext.focus`` tells the engine to walk those others only on demand);
  findings that touch an affected file come from this run, the others from the record (the
  affected set first grows until no recorded finding straddles it). When that set is most of
  the program, the whole program is analysed instead.

Timeouts depend on the machine's load, so a file that timed out is never served from the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput
from vulnhound.findings import Finding, source_locations
from vulnhound.resultcache.codec import finding_from_json, finding_to_json, skipped_from_json, skipped_to_json
from vulnhound.resultcache.imports import ImportGraph, imported_names
from vulnhound.resultcache.store import ResultStore, content_hash, digest, scope_key
from vulnhound.sources import Skipped, SkipReason, SourceFile

# Above this share of the program, a partial re-analysis costs about as much as a full one.
FULL_RUN_SHARE = 0.6

# (analyzers, the files each is to read in the same order, context) -> outputs in that order
Runner = Callable[[Sequence[Analyzer], Sequence[Sequence[SourceFile]], AnalysisContext], list[AnalyzerOutput]]


@dataclass
class CacheReport:
    """Per analyzer: files served from the cache and files analysed (for the JSON's extras)."""

    reused: dict[str, int] = field(default_factory=dict)
    analysed: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reused_files": dict(self.reused), "analysed_files": dict(self.analysed)}


def scope_of(analyzer: Analyzer) -> str | None:
    scope = getattr(analyzer, "cache_scope", None)
    return scope if scope in ("file", "program") else None


def run_cached(
    analyzers: Sequence[Analyzer],
    files_for: Callable[[Analyzer], list[SourceFile]],
    context: AnalysisContext,
    store: ResultStore,
    root: str,
    runner: Runner,
) -> tuple[list[AnalyzerOutput], CacheReport]:
    """Outputs in the order of ``analyzers``, as :func:`run_all` would give them."""
    report = CacheReport()
    plans: list[_Plan] = []
    for analyzer in analyzers:
        files = files_for(analyzer)
        scope = scope_of(analyzer)
        if scope == "file":
            plans.append(_FilePlan(analyzer, files, context, store))
        elif scope == "program":
            plans.append(_ProgramPlan(analyzer, files, context, store, root))
        else:
            plans.append(_Plan(analyzer, files))
    focus = [p.affected for p in plans if isinstance(p, _ProgramPlan) and p.done]
    if focus:  # the engine walks the affected files' functions, the others only on demand
        context = replace(context, focus=frozenset().union(*focus))
    # every analyzer goes to the runner, in order (which one stays in this process depends on
    # its place); one with nothing left to read returns at once
    fresh = runner([p.analyzer for p in plans], [p.todo for p in plans], context)
    outputs = []
    for plan, output in zip(plans, fresh, strict=True):
        outputs.append(plan.finish(output))
        if scope_of(plan.analyzer) is not None:
            report.reused[plan.analyzer.name] = len(plan.files) - len(plan.todo)
            report.analysed[plan.analyzer.name] = len(plan.todo)
        if plan.done:
            context.progress(len(plan.files) - len(plan.todo))  # served from the cache
    return outputs, report


class _Plan:
    """No caching: analyse every file."""

    def __init__(self, analyzer: Analyzer, files: list[SourceFile]) -> None:
        self.analyzer = analyzer
        self.files = files
        self.todo: list[SourceFile] = files
        self.done = False

    def finish(self, output: AnalyzerOutput) -> AnalyzerOutput:
        return output


def _paths(finding: Finding) -> set[str]:
    """Every file a finding involves: its location, its flow, and the other sources the engine
    saw reach the same sink (``other_sources``)."""
    steps = [finding.location, *(s.location for s in finding.flow), *source_locations(finding)]
    return {loc.path for loc in steps}


def _affected(graph: ImportGraph, changed: set[str], old: Sequence[Finding]) -> set[str]:
    """The changed files and their importers, grown until no old finding straddles the border:
    a finding is either recomputed whole or kept whole. (A sink two modules reach shows one
    route; when that route's module changes, the other module must be walked again too, or the
    finding it still causes would be lost.)"""
    affected = graph.importers_of(changed)
    involved = [_paths(f) for f in old]
    while True:
        grow = set().union(*(p for p in involved if p & affected and not p <= affected)) - affected
        if not grow:
            return affected
        affected |= graph.importers_of(grow)


def _timed_out(skipped: Sequence[Skipped]) -> set[str]:
    return {s.path for s in skipped if s.reason is SkipReason.TIMEOUT}


class _FilePlan(_Plan):
    def __init__(
        self, analyzer: Analyzer, files: list[SourceFile], context: AnalysisContext, store: ResultStore
    ) -> None:
        super().__init__(analyzer, files)
        self.store = store
        scope = scope_key(analyzer.name, context.config)
        self.keys = {f.path: digest(scope, f.path, content_hash(f.text)) for f in files}
        self.cached = store.get_many(self.keys.values())
        self.todo = [f for f in files if self.keys[f.path] not in self.cached]
        self.done = True

    def finish(self, output: AnalyzerOutput) -> AnalyzerOutput:
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        analysed = {f.path for f in self.todo}
        for path, key in self.keys.items():
            if path not in analysed:
                record = self.cached[key]
                findings += [finding_from_json(f) for f in record["findings"]]
                skipped += [skipped_from_json(s) for s in record["skipped"]]
        timed_out = _timed_out(output.skipped)
        new: dict[str, dict[str, list[Any]]] = {
            self.keys[p]: {"findings": [], "skipped": []} for p in analysed - timed_out
        }
        for finding in output.findings:
            record = new.get(self.keys.get(finding.location.path, ""))
            if record is not None:
                record["findings"].append(finding_to_json(finding))
        for skip in output.skipped:
            record = new.get(self.keys.get(skip.path, ""))
            if record is not None:
                record["skipped"].append(skipped_to_json(skip))
        self.store.put_many(new)
        return AnalyzerOutput(
            (*findings, *output.findings),
            (*skipped, *output.skipped),
            output.notes,
            output.model_usage,
            output.extras,
        )


class _ProgramPlan(_Plan):
    def __init__(
        self,
        analyzer: Analyzer,
        files: list[SourceFile],
        context: AnalysisContext,
        store: ResultStore,
        root: str,
    ) -> None:
        super().__init__(analyzer, files)
        self.store = store
        self.key = digest(scope_key(analyzer.name, context.config), "program", root)
        self.hashes = {f.path: content_hash(f.text) for f in files}
        old = store.get(self.key)
        self.old: dict[str, Any] | None = old if isinstance(old, dict) else None
        self.imports = self._imports(files)
        self.affected: set[str] = set(self.hashes)
        if self.old is None:
            return
        changed = {p for p, h in self.hashes.items() if self.old["hashes"].get(p) != h}
        changed |= set(self.old["hashes"]) - set(self.hashes)  # removed files
        changed |= set(self.old["timed_out"])
        graph = ImportGraph({**self.old["imports"], **self.imports})
        self.affected = _affected(graph, changed, [finding_from_json(f) for f in self.old["findings"]])
        needed = graph.imported_by(self.affected) & set(self.hashes)
        if "__init__.py" in self.hashes:  # the root package's name decides how imports resolve
            needed.add("__init__.py")
        if len(needed) > FULL_RUN_SHARE * len(files):
            self.affected = set(self.hashes)
            return
        self.todo = [f for f in files if f.path in needed]
        self.done = True

    def _imports(self, files: list[SourceFile]) -> dict[str, list[str]]:
        known = self.old["imports"] if self.old is not None else {}
        hashes = self.old["hashes"] if self.old is not None else {}
        return {
            f.path: known[f.path]
            if hashes.get(f.path) == self.hashes[f.path]
            else imported_names(f.path, f.text)
            for f in files
        }

    def _touches(self, finding: Finding) -> bool:
        return bool(_paths(finding) & self.affected)

    def finish(self, output: AnalyzerOutput) -> AnalyzerOutput:
        findings = [f for f in output.findings if self._touches(f)]
        skipped = [s for s in output.skipped if s.path in self.affected]
        if self.old is not None and self.done:
            kept = (finding_from_json(f) for f in self.old["findings"])
            findings += [f for f in kept if not self._touches(f) and f.location.path in self.hashes]
            skipped += [
                s
                for s in (skipped_from_json(s) for s in self.old["skipped"])
                if s.path not in self.affected and s.path in self.hashes
            ]
        self.store.put_many(
            {
                self.key: {
                    "hashes": self.hashes,
                    "imports": self.imports,
                    "findings": [finding_to_json(f) for f in findings],
                    "skipped": [skipped_to_json(s) for s in skipped],
                    "timed_out": sorted(_timed_out(skipped)),
                }
            }
        )
        return AnalyzerOutput(
            tuple(findings), tuple(skipped), output.notes, output.model_usage, output.extras
        )
