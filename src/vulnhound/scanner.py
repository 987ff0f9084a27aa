"""The scan pipeline: walk, read, analyse, identify, suppress, filter.

targets -> files -> analyzers -> findings -> suppressions -> baseline -> thresholds
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vulnhound import __version__
from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput, Stage
from vulnhound.analyzers.registry import DEFAULT_ANALYZERS, create
from vulnhound.analyzers.runner import run_all
from vulnhound.baseline import Baseline, load_baseline
from vulnhound.config import Config
from vulnhound.findings import Finding, Location, Suppression, SuppressionKind
from vulnhound.fingerprints import assign
from vulnhound.guard.masking import masked_lines
from vulnhound.languages import DATA_LANGUAGES
from vulnhound.reader import read_source
from vulnhound.result import ScanResult
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SourceFile
from vulnhound.suppressions import SuppressionIndex
from vulnhound.walker import common_root, repository_root, walk

if TYPE_CHECKING:
    from vulnhound.diffscan import DiffScope

ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


def load_catalog(config: Config) -> RuleCatalog:
    return RuleCatalog.load(Path(p) for p in config.rule_files)


# spec inference's output, read by every scan of the tree that holds it (vulnhound/specs)
INFERRED_SPECS = Path(".vulnhound") / "specs.toml"


def with_inferred_specs(config: Config, targets: Sequence[Path]) -> tuple[Config, str]:
    """The config with the scan root's `.vulnhound/specs.toml` added to its rule files, and a
    note saying so (inferred labels change what is reported: the output must tell)."""
    if not config.use_inferred_specs:
        return config, ""
    path = common_root(targets) / INFERRED_SPECS
    if not path.is_file() or any(Path(p).resolve() == path.resolve() for p in config.rule_files):
        return config, ""
    note = f"rules: read model-inferred API labels from {path} (review them; use_inferred_specs = false to ignore)"
    return config.replace(rule_files=(*config.rule_files, str(path))), note


def build_analyzers(config: Config) -> list[Analyzer]:
    return [create(name) for name in (config.analyzers or DEFAULT_ANALYZERS)]


def read_files(targets: Sequence[Path], config: Config) -> tuple[Path, list[SourceFile], list[Skipped]]:
    walked = walk(
        targets,
        include=config.include,
        exclude=config.exclude,
        respect_gitignore=config.respect_gitignore,
        ignore_paths=config.ignore_paths,
    )
    files: list[SourceFile] = []
    skipped = list(walked.skipped)
    for candidate in walked.candidates:
        outcome = read_source(candidate, config.max_file_size)
        if isinstance(outcome, SourceFile):
            files.append(outcome)
        else:
            skipped.append(outcome)
    return walked.root, files, skipped


def _merge_duplicates(findings: Iterable[Finding], catalog: RuleCatalog) -> list[Finding]:
    """One finding per location and weakness.

    Findings that start at the same place and share a CWE describe one problem, whichever
    rules or analyzers reported it (e.g. the taint engine and a call pattern both flagging
    one ``yaml.load``, or a model agreeing with the engine). A catalogued rule's finding is
    preferred, so identities and baselines stay stable; then the most confident, with the
    longest flow. The others' analyzers are added to it and their rule ids kept as
    ``also_reported_as``. An imported finding needs only the line, not the column.
    """
    by_place: dict[tuple[str, int, int], list[list[Finding]]] = {}
    for finding in findings:
        loc = finding.location
        clusters = by_place.setdefault((loc.path, loc.start_line, loc.start_column), [])
        cwes = set(finding.cwe)
        for cluster in clusters:
            if any(cwes & set(other.cwe) or other.rule_id == finding.rule_id for other in cluster):
                cluster.append(finding)
                break
        else:
            clusters.append([finding])
    clusters = _join_imported([cluster for found in by_place.values() for cluster in found])
    return [_merge_cluster(cluster, catalog) for cluster in clusters]


def _imported_only(cluster: Sequence[Finding]) -> bool:
    """Only other tools' results (``--import-results``) are in the cluster."""
    return all(name.startswith("import:") for f in cluster for name in f.analyzers)


def _join_imported(clusters: list[list[Finding]]) -> list[list[Finding]]:
    """Another tool's finding joins ours on the same line when they share a CWE, whatever the
    columns: tools place a finding differently (Bandit from column 0, one at the call, one at
    its argument). Ours keep their columns apart: two of our findings on a line are two."""
    by_line: dict[tuple[str, int], list[list[Finding]]] = {}
    for cluster in clusters:
        loc = cluster[0].location
        by_line.setdefault((loc.path, loc.start_line), []).append(cluster)
    joined: list[list[Finding]] = []
    for group in by_line.values():
        ours = [cluster for cluster in group if not _imported_only(cluster)]
        joined.extend(ours)
        for cluster in group:
            if not _imported_only(cluster):
                continue
            host = _host_for(cluster, ours)
            if host is None:
                joined.append(cluster)
            else:
                host.extend(cluster)
    return joined


def _host_for(imported: list[Finding], ours: list[list[Finding]]) -> list[Finding] | None:
    """The cluster of ours sharing a CWE with ``imported``, the nearest column first."""
    cwes = {c for f in imported for c in f.cwe}
    column = imported[0].location.start_column
    candidates = [c for c in ours if cwes & {cwe for f in c for cwe in f.cwe}]
    return min(candidates, key=lambda c: abs(c[0].location.start_column - column), default=None)


def _merge_cluster(cluster: Sequence[Finding], catalog: RuleCatalog) -> Finding:
    if len(cluster) == 1:
        return cluster[0]
    keep = max(
        cluster,
        key=lambda f: (f.rule_id in catalog, f.confidence.rank, len(f.flow), f.severity.rank),
    )
    analyzers = tuple(dict.fromkeys(a for f in cluster for a in f.analyzers))
    others = tuple(dict.fromkeys(f.rule_id for f in cluster if f.rule_id != keep.rule_id))
    properties = keep.properties
    if others:
        properties = (*properties, ("also_reported_as", ",".join(others)))
    return replace(keep, analyzers=analyzers, properties=properties)


def _apply_suppressions(
    findings: list[Finding], files: Sequence[SourceFile], enabled: bool, catalog: RuleCatalog
) -> tuple[list[Finding], list[Location], list[str]]:
    """Mark suppressed findings; return them, unused comments, and notes on unknown ids."""
    if not enabled:
        return findings, [], []
    index = SuppressionIndex()
    for source in files:
        index.add_file(source)
    out: list[Finding] = []
    for finding in findings:
        comment = index.match(finding) if finding.suppression is None else None
        if comment is not None:
            finding = replace(finding, suppression=Suppression(SuppressionKind.INLINE, comment.justification))
        out.append(finding)
    unused = [Location(c.path, c.line) for c in index.unused()]
    known = {r.id.upper() for r in catalog} | {f.rule_id.upper() for f in findings}
    notes = [
        f"{c.path}:{c.line}: suppression names unknown rule '{written}'"
        for c in index.comments
        for written in c.written
        if not written.upper().startswith("CWE-") and written.upper() not in known
    ]
    return out, unused, notes


def scan(
    paths: Sequence[str | Path],
    config: Config | None = None,
    *,
    progress: ProgressCallback | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    stages: Sequence[Stage] = (),
    diff: DiffScope | None = None,
    cache_identity: str = "",
) -> ScanResult:
    """Scan files and directories; return every finding and everything not analysed.

    ``stages`` run over the merged findings before suppressions (model triage, consensus).
    ``diff`` (see :mod:`vulnhound.diffscan`) keeps only findings a change brings, before the
    stages, so that model triage is spent on those alone. ``cache_identity`` names the tree
    for the result cache when its folder is temporary (default: the scan root's path).
    Raises :class:`~vulnhound.errors.ConfigError` (bad rule files, unknown analyzers) and
    :class:`~vulnhound.errors.BaselineError`; problems with individual files never raise.
    """
    started = time.perf_counter()
    started_at = time.time()
    config = config or Config()
    report = progress or _no_progress
    targets = [Path(p) for p in paths] or [Path.cwd()]
    config, specs_note = with_inferred_specs(config, targets)
    catalog = load_catalog(config)
    chosen = list(analyzers) if analyzers is not None else build_analyzers(config)
    baseline: Baseline | None = load_baseline(Path(config.baseline)) if config.baseline else None

    root, files, skipped = read_files(targets, config)
    total = len(files)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        report("analyse", min(done, total * max(len(chosen), 1)), total * max(len(chosen), 1))

    changed = diff.changed if diff is not None else None
    context = AnalysisContext(config=config, rules=catalog, progress=advance, changed=changed)
    raw: list[Finding] = []
    languages_read: set[str] = set()
    notes: list[str] = [specs_note] if specs_note else []
    usage: list[Any] = []
    extras: list[tuple[str, object]] = []
    for analyzer in chosen:
        languages_read |= analyzer.languages()
    outputs, cache_report = _analyse(chosen, files, context, cache_identity or str(root))
    if cache_report is not None:
        extras.append(("cache", cache_report))
    for output in outputs:
        raw.extend(output.findings)
        skipped.extend(output.skipped)
        notes.extend(output.notes)
        usage.extend(output.model_usage)
        extras.extend(output.extras)

    disabled = {r.upper() for r in config.disable_rules}
    # Where each finding lives (test, example, docs code) and, there, taint severity capped
    # unless the build fails on that context too.
    uncapped = config.fail_on_contexts
    raw = [config.contexts.apply(f, uncapped) for f in raw if f.rule_id.upper() not in disabled]
    by_path = {f.path: f for f in files}
    line_text = {
        (f.location.path, f.location.start_line): by_path[f.location.path].line(f.location.start_line)
        for f in raw
        if f.location.path in by_path
    }
    # Reports quote the line of each finding: with any secret on it masked.
    snippets = _masked(line_text, by_path)
    findings = assign(_merge_duplicates(raw, catalog), line_text, snippets)
    diff_hidden = 0
    if diff is not None:
        findings, diff_hidden = diff.select(findings, files)
        notes.extend(diff.notes)
    for stage in stages:
        staged = stage.run(findings, files, context)
        findings = list(staged.findings)
        skipped.extend(staged.skipped)
        notes.extend(staged.notes)
        usage.extend(staged.model_usage)
        extras.extend(staged.extras)
    if stages:  # a stage may add findings (a model's); contexts apply to them too
        findings = [config.contexts.apply(f, uncapped) for f in findings]
    findings, unused, suppression_notes = _apply_suppressions(findings, files, config.suppressions, catalog)
    notes.extend(suppression_notes)

    baseline_matched = 0
    if baseline is not None:
        kept = [f for f in findings if f not in baseline]
        baseline_matched = len(findings) - len(kept)
        findings = kept
    kept = [
        f
        for f in findings
        if f.severity.at_least(config.min_severity) and f.confidence.at_least(config.min_confidence)
    ]
    below = len(findings) - len(kept)
    kept.sort(key=Finding.sort_key)
    flow_lines = _flow_lines(kept, by_path)

    # Conservative on purpose: a file that any of its analyzers could not finish is not
    # counted as analysed (nor are its lines), so a partial analysis never reads as complete.
    failed_paths = {s.path for s in skipped if s.analyzer}
    finished = [f for f in files if f.path not in failed_paths]
    analysed = [f for f in finished if f.language in languages_read]
    # Honest coverage: a JavaScript file only scanned for secrets had no vulnerability analysis.
    code_languages = {lang for a in chosen if not getattr(a, "text_only", False) for lang in a.languages()}
    unsupported = Counter(
        f.language for f in finished if f.language not in code_languages and f.language not in DATA_LANGUAGES
    )
    rules = _rules_for(chosen, catalog, disabled)
    return ScanResult(
        repo_root=repository_root(root),
        tool_version=__version__,
        root=str(root),
        targets=tuple(str(t) for t in targets),
        findings=tuple(kept),
        skipped=tuple(sorted(skipped, key=lambda s: (s.path, s.reason))),
        files_analyzed=len(analysed),
        lines_analyzed=sum(len(f.lines) for f in analysed),
        rules=rules,
        analyzers=tuple(a.name for a in chosen),
        unsupported_languages=tuple(sorted(unsupported.items())),
        unused_suppressions=tuple(unused),
        baseline_matched=baseline_matched,
        below_threshold=below,
        flow_lines=flow_lines,
        diff_base=diff.label if diff is not None else "",
        diff_hidden=diff_hidden,
        duration_s=time.perf_counter() - started,
        started_at=started_at,
        min_severity=config.min_severity,
        min_confidence=config.min_confidence,
        model_usage=tuple(usage),
        notes=tuple(notes),
        extras=tuple(extras),
    )


def _masked(places: Iterable[tuple[str, int]], by_path: dict[str, SourceFile]) -> dict[tuple[str, int], str]:
    """The text of each (path, line) of a scanned file, any secret on it masked."""
    wanted: dict[str, set[int]] = {}
    for path, number in places:
        if path in by_path:
            wanted.setdefault(path, set()).add(number)
    return {
        (path, number): line
        for path, numbers in wanted.items()
        for number, line in masked_lines(by_path[path].text, by_path[path].language, numbers).items()
    }


def _flow_lines(
    findings: Sequence[Finding], by_path: dict[str, SourceFile]
) -> tuple[tuple[str, int, str], ...]:
    """The code of every line a reported flow passes through, secrets masked, for reports
    that show a flow step by step (reporters never read files)."""
    places = [(s.location.path, s.location.start_line) for f in findings for s in f.flow]
    return tuple((path, number, line) for (path, number), line in sorted(_masked(places, by_path).items()))


def _analyse(
    analyzers: Sequence[Analyzer], files: Sequence[SourceFile], context: AnalysisContext, identity: str
) -> tuple[list[AnalyzerOutput], dict[str, Any] | None]:
    """Every analyzer's output; through the result cache when it is on and some analyzer
    takes part (then also what the cache served, for the report's extras)."""
    from vulnhound.resultcache import ResultStore, run_cached, scope_of

    if not context.config.cache or not any(scope_of(a) for a in analyzers):
        return run_all(analyzers, files, context), None
    try:
        store = ResultStore()
    except (OSError, sqlite3.Error):  # no writable cache folder: only speed is lost
        return run_all(analyzers, files, context), None
    try:
        outputs, report = run_cached(
            analyzers,
            lambda a: [f for f in files if f.language in a.languages()],
            context,
            store,
            identity,
            lambda chosen, selection, ctx: run_all(chosen, files, ctx, selection),
        )
    finally:
        store.close()
    return outputs, report.as_dict()


def _rules_for(
    analyzers: Sequence[Analyzer], catalog: RuleCatalog, disabled: set[str]
) -> tuple[RuleInfo, ...]:
    seen: dict[str, RuleInfo] = {}
    for analyzer in analyzers:
        for rule in analyzer.rules(catalog):
            if rule.id.upper() not in disabled:
                seen.setdefault(rule.id, rule)
    return tuple(sorted(seen.values(), key=lambda r: r.id))
