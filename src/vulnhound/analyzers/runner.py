"""Running analyzers: in turn, or side by side in worker processes on big scans.

Analyzers are independent passes over the same files, so on a machine with several cores the
heaviest one (the first, the taint engine by default) runs here while the others run in worker
processes. Workers rebuild their analyzers by registry name and get the files, config and rule
catalogue by pickling: plain text and data, cheap next to the analysis itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput
from vulnhound.analyzers.registry import create, rebuildable
from vulnhound.config import Config
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import Skipped, SkipReason, SourceFile

# Below this much source text a worker's start-up costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024


def run_one(analyzer: Analyzer, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
    """Run one analyzer; a crash becomes a skip for its files, never a lost scan.

    When a run over several files crashes, each file is retried alone, so one hostile
    file (e.g. nesting deep enough to exhaust the stack) costs only its own findings.
    """
    try:
        return analyzer.analyze(files, context)
    except Exception as exc:  # an analyzer bug must not cost the other analyzers' findings
        if len(files) > 1:
            return merge_outputs([run_one(analyzer, [f], context) for f in files])
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = (
            f"{analyzer.name} crashed: {type(exc).__name__}: {exc} "
            f"({Path(where.filename).name}:{where.lineno})"
        )
        return AnalyzerOutput(
            skipped=tuple(Skipped(f.path, SkipReason.ANALYZER_ERROR, detail, analyzer.name) for f in files)
        )


def merge_outputs(outputs: Sequence[AnalyzerOutput]) -> AnalyzerOutput:
    return AnalyzerOutput(
        findings=tuple(f for o in outputs for f in o.findings),
        skipped=tuple(s for o in outputs for s in o.skipped),
        notes=tuple(dict.fromkeys(n for o in outputs for n in o.notes)),
        model_usage=tuple(u for o in outputs for u in o.model_usage),
        extras=tuple(e for o in outputs for e in o.extras),
    )


def _files_for(analyzer: Analyzer, files: Sequence[SourceFile]) -> list[SourceFile]:
    wanted = analyzer.languages()
    return [f for f in files if f.language in wanted]


def _worker(
    names: Sequence[str], files: Sequence[SourceFile], config: Config, rules: RuleCatalog
) -> list[AnalyzerOutput]:
    """Entry point in a worker process: rebuild the analyzers by name and run them in turn."""
    context = AnalysisContext(config=config, rules=rules)
    outputs = []
    for name in names:
        analyzer = create(name)
        outputs.append(run_one(analyzer, _files_for(analyzer, files), context))
    return outputs


def _worker_count(config: Config, analyzers: Sequence[Analyzer], files: Sequence[SourceFile]) -> int:
    """How many worker processes to use besides this one (0: run everything here)."""
    cores = config.jobs or os.cpu_count() or 1
    if cores <= 1 or len(analyzers) <= 1:
        return 0
    if sum(len(f.text) for f in files) < PARALLEL_MIN_BYTES:
        return 0
    movable = sum(1 for a in analyzers[1:] if rebuildable(a))
    return min(cores - 1, movable)


def run_all(
    analyzers: Sequence[Analyzer], files: Sequence[SourceFile], context: AnalysisContext
) -> list[AnalyzerOutput]:
    """Outputs in the order of ``analyzers``, whether they ran here or in workers."""
    workers = _worker_count(context.config, analyzers, files)
    if workers == 0:
        return [run_one(a, _files_for(a, files), context) for a in analyzers]
    # The first analyzer (the heaviest by convention) and any that cannot move stay here;
    # the movable rest are dealt round-robin to the workers.
    groups: list[list[int]] = [[] for _ in range(workers)]
    movable = [i for i, a in enumerate(analyzers) if i > 0 and rebuildable(a)]
    for slot, index in enumerate(movable):
        groups[slot % workers].append(index)
    # fork is cheap (everything is imported already) but unsafe beside other threads.
    method = (
        "fork"
        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        else "spawn"
    )
    outputs: dict[int, AnalyzerOutput] = {}
    bare_context = replace(context, progress=lambda _n: None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures: list[tuple[list[int], Future[list[AnalyzerOutput]]]] = [
            (
                group,
                pool.submit(
                    _worker, [analyzers[i].name for i in group], files, context.config, context.rules
                ),
            )
            for group in groups
            if group
        ]
        for index, analyzer in enumerate(analyzers):
            if index not in movable:
                outputs[index] = run_one(analyzer, _files_for(analyzer, files), context)
        for group, future in futures:
            try:
                results = future.result()
            except (BrokenProcessPool, OSError):  # a dead worker: redo its share here
                results = [
                    run_one(analyzers[i], _files_for(analyzers[i], files), bare_context) for i in group
                ]
            for index, output in zip(group, results, strict=True):
                outputs[index] = output
                context.progress(len(_files_for(analyzers[index], files)))
    return [outputs[i] for i in range(len(analyzers))]
