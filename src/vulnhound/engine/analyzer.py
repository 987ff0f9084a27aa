"""The ``engine`` analyzer: parse, index, summarise to a fixpoint, report.

Every function (and every module body) is walked by :class:`FunctionWalker` with the current
summaries of its callees; when a summary changes, its callers are walked again. A function is
walked at most ``MAX_VISITS`` times, which bounds recursion. Time is charged to the file that
holds the function; a file over ``per_file_timeout`` is reported as a TIMEOUT skip and its
remaining functions keep their last summaries, so the rest of the scan goes on.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Sequence
from pathlib import PurePath

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.engine.interp import AnalysisTimeout, FunctionWalker, Shared, Summary
from vulnhound.engine.modules import Program
from vulnhound.engine.spec import EngineSpec, SinkSpec, build_spec, capped
from vulnhound.engine.taint import Label, partial
from vulnhound.engine.views import ViewIndex
from vulnhound.findings import Confidence, Finding, FlowStep, Location, with_other_sources
from vulnhound.pyparse import PythonSyntaxError, parse_python
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SkipReason, SourceFile

NAME = "engine"
MAX_VISITS = 6


MAX_ORIGINS = 20  # other sources listed per finding


class _Collector:
    """Findings keyed by (rule, sink location): one per sink, preferring a high-confidence
    source, then (in a diff scan) a flow through changed code. The other sources that reach
    the sink are kept as a property: a diff scan tells a new source into an old sink by them."""

    def __init__(self, spec: EngineSpec, prefer: Callable[[Sequence[FlowStep]], bool] | None = None) -> None:
        self.found: dict[tuple[str, Location], Finding] = {}
        self.origins: dict[tuple[str, Location], list[Location]] = defaultdict(list)
        self.spec = spec
        self.prefer = prefer

    def findings(self) -> tuple[Finding, ...]:
        """One finding per flow: markup built from a value and then rendered on the same line
        (``Markup("<b>%s</b>" % title)``) is the rendering sink's finding, not two."""
        html = self.spec.template_rule_ids
        kept: list[Finding] = []
        rendered = {
            (f.location.path, f.location.start_line, f.flow[0].location if f.flow else None)
            for f in self.found.values()
            if f.rule_id not in html
        }
        for finding in self.found.values():
            if finding.rule_id in html:
                origin = finding.flow[0].location if finding.flow else None
                if (finding.location.path, finding.location.start_line, origin) in rendered:
                    continue
            kept.append(self._with_origins(finding))
        return tuple(kept)

    def _with_origins(self, finding: Finding) -> Finding:
        reported = finding.flow[0].location if finding.flow else None
        others = [o for o in self.origins[(finding.rule_id, finding.location)] if o != reported]
        return with_other_sources(finding, others[:MAX_ORIGINS])

    def report(self, sink: SinkSpec, location: Location, label: Label, callee: str, context: str) -> None:
        if not self.spec.accepts(sink, label.kind) or (sink.requires and sink.requires not in label.cleared):
            return
        rule = sink.rule
        key = (rule.id, location)
        existing = self.found.get(key)
        cap = label.cap
        if partial(sink.kind) in label.cleared and cap == Confidence.HIGH:
            cap = Confidence.MEDIUM  # a check that narrows but does not close the hole
        confidence: Confidence = capped(rule.confidence, cap)
        origins = self.origins[key]
        if label.path and label.path[0].location not in origins:
            origins.append(label.path[0].location)
        if existing is not None and existing.confidence.at_least(confidence):
            better_flow = existing.confidence == confidence and self._preferred(label.path, existing.flow)
            if not better_flow:
                return
        self.found[key] = Finding(
            rule_id=rule.id,
            cwe=sink.cwe,
            severity=rule.severity,
            confidence=confidence,
            message=f"{label.origin} flows into {callee} ({sink.label})",
            location=location,
            analyzers=(NAME,),
            flow=label.path,
            context=context,
        )

    def _preferred(self, flow: Sequence[FlowStep], over: Sequence[FlowStep]) -> bool:
        return self.prefer is not None and self.prefer(flow) and not self.prefer(over)


class TaintAnalyzer:
    """Interprocedural source-to-sink analysis of Python code."""

    cache_scope = "program"  # results depend on the whole program (vulnhound.resultcache)

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset({"python"})

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        config = context.config
        spec = build_spec(self.rules(context.rules), tuple(config.rule_files))
        changed = context.changed
        prefer = None
        if changed is not None:  # a diff scan: of equal flows into a sink, show one through the change

            def prefer(flow: Sequence[FlowStep]) -> bool:
                return any(
                    changed.touches(s.location.path, s.location.start_line, s.location.end_line) for s in flow
                )

        return analyze_files(
            files,
            spec,
            timeout=float(config.per_file_timeout),
            taint_parameters=bool(getattr(config, "taint_parameters", False)),
            progress=context.progress,
            prefer=prefer,
            focus=context.focus,
        )


def analyze_files(
    files: Sequence[SourceFile],
    spec: EngineSpec,
    *,
    timeout: float = 20.0,
    taint_parameters: bool = False,
    progress: object = None,
    prefer: Callable[[Sequence[FlowStep]], bool] | None = None,
    focus: Collection[str] | None = None,
) -> AnalyzerOutput:
    """Analyse the files together (summaries flow between them).

    The cyclic garbage collector is paused meanwhile: every tree of the program stays alive
    until the end, so each full collection would re-scan millions of AST nodes (on Django
    that was 70% of the parse time) while the analysis itself makes almost no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze(files, spec, timeout, taint_parameters, progress, prefer, focus)
    finally:
        if was_enabled:
            gc.enable()


def _analyze(
    files: Sequence[SourceFile],
    spec: EngineSpec,
    timeout: float,
    taint_parameters: bool,
    progress: object,
    prefer: Callable[[Sequence[FlowStep]], bool] | None = None,
    focus: Collection[str] | None = None,
) -> AnalyzerOutput:
    """See :func:`analyze_files`. With ``focus`` (paths), only the functions of those files
    are walked from the start, and the others on demand, when a walked function calls them
    (module bodies are all walked: their globals feed everyone): the result cache asks for
    the findings of the files a change reaches, the rest of the program only lends summaries."""
    program = Program()
    for source in files:
        if source.path == "__init__.py":  # the scan root is a package: its own imports name it
            program.root_package = PurePath(source.absolute_path).parent.name
    skipped: list[Skipped] = []
    spent: dict[str, float] = defaultdict(float)
    done = progress if callable(progress) else (lambda _n: None)
    for source in files:
        started = time.perf_counter()
        try:
            tree = parse_python(source.text, source.path)
        except PythonSyntaxError as exc:
            skipped.append(Skipped(source.path, SkipReason.SYNTAX_ERROR, str(exc), NAME))
            done(1)
            continue
        except RecursionError:
            skipped.append(
                Skipped(source.path, SkipReason.ANALYZER_ERROR, "expressions nested too deeply", NAME)
            )
            done(1)
            continue
        module = program.add_module(source.path, tree, source.text)
        spent[module.name] += time.perf_counter() - started

    collector = _Collector(spec, prefer)
    shared = Shared(
        program=program,
        spec=spec,
        summaries={},
        module_envs={},
        class_store={},
        report=collector.report,
        taint_parameters=taint_parameters,
    )
    views = ViewIndex(program, spec)
    shared.views.update(q for q, fi in program.functions.items() if views.is_view(fi))
    shared.handlers.update(q for q, fi in program.functions.items() if views.is_handler(fi))
    failed: dict[str, Skipped] = {}
    callers: dict[str, set[str]] = defaultdict(set)
    visits: dict[str, int] = defaultdict(int)
    focused = None if focus is None else {m.name for m in program.modules.values() if m.path in set(focus)}

    def wanted(qual: str) -> bool:
        return focused is None or program.functions[qual].module in focused

    order = [q for q in program.functions if q.endswith(".<module>")]
    order += [q for q in program.functions if not q.endswith(".<module>") and wanted(q)]
    queue = deque(order)
    queued = set(order)
    methods_of: dict[str, list[str]] = defaultdict(list)
    functions_of: dict[str, list[str]] = defaultdict(list)
    for fi in program.functions.values():
        if fi.cls:
            methods_of[fi.cls].append(fi.qualname)
        if fi.node is not None:
            functions_of[fi.module].append(fi.qualname)
    remaining: dict[str, int] = defaultdict(int)
    for fi in program.functions.values():
        remaining[fi.module] += 1
    finished: set[str] = set()

    def push(qual: str) -> None:
        if qual not in queued and visits[qual] < MAX_VISITS:
            queue.append(qual)
            queued.add(qual)

    def drain() -> None:
        while queue:
            step(queue.popleft())

    def step(qual: str) -> None:
        queued.discard(qual)
        fi = program.functions[qual]
        module = program.modules[fi.module]
        first_visit = visits[qual] == 0
        visits[qual] += 1
        if module.name not in failed:
            started = time.perf_counter()
            walker = FunctionWalker(shared, fi, module, started + max(timeout - spent[module.name], 0.0))
            try:
                summary, env = walker.run()
            except AnalysisTimeout:
                failed[module.name] = Skipped(
                    module.path, SkipReason.TIMEOUT, f"taint analysis exceeded {timeout:g}s", NAME
                )
                summary = None
            except RecursionError:
                failed[module.name] = Skipped(
                    module.path, SkipReason.ANALYZER_ERROR, "expressions nested too deeply", NAME
                )
                summary = None
            spent[module.name] += time.perf_counter() - started
            if summary is not None:
                if fi.node is None:
                    shared.module_envs[module.name] = env
                for callee in walker.callees:
                    callers[callee].add(qual)
                    if focused is not None and not visits[callee] and callee in program.functions:
                        push(callee)  # on demand: its summary is needed
                old = shared.summaries.get(qual)
                if old is None or old.signature() != summary.signature():
                    shared.summaries[qual] = summary
                    if old is not None or _nonempty(summary):
                        for caller in callers[qual]:
                            push(caller)
            for cls in shared.class_store_changed:
                for method in methods_of.get(cls, ()):
                    push(method)
            shared.class_store_changed.clear()
            for nested in shared.closures_changed:
                if visits[nested]:  # not yet walked: its first walk sees the new closure
                    push(nested)
            shared.closures_changed.clear()
            for changed in {mod for mod, _name in shared.globals_changed}:
                for reader in functions_of[changed]:  # rare: re-walk the module's functions
                    if visits[reader]:
                        push(reader)
            shared.globals_changed.clear()
        if first_visit:
            remaining[module.name] -= 1
            if remaining[module.name] == 0 and module.name not in finished:
                finished.add(module.name)
                done(1)

    drain()
    # view look-alikes and request-taking functions that no scanned code calls are entry points:
    # walk them again as such
    late = [
        q for q, fi in program.functions.items()
        if q not in shared.views and not callers.get(q) and views.candidate(fi) and wanted(q)
    ]  # fmt: skip
    shared.views.update(late)
    entries = [
        q for q, fi in program.functions.items()
        if q not in shared.views and not callers.get(q) and views.request_entry(fi) and wanted(q)
    ]  # fmt: skip
    shared.entries.update(entries)
    late += entries
    queue.extend(late)
    queued.update(late)
    drain()
    for name in program.modules:
        if name not in finished:
            done(1)
    skipped.extend(failed.values())
    return AnalyzerOutput(collector.findings(), tuple(skipped))


def _nonempty(summary: Summary) -> bool:
    return bool(summary.ret or summary.sinks or summary.effects)
