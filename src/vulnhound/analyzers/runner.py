"""Running analyzers: in turn, or side by side in worker processes on big scans.

Analyzers are independent passes over the same files, so on a machine with several cores the
heaviest one (the first, the taint engine by default) runs here while the others run in worker
processes. Workers rebuild their analyzers by registry name and get the files, config and rule
catalogue by pickling: plain text and data, cheap next to the analysis itself.

Per-file timeouts. ``Config.per_file_timeout`` bounds the time any analyzer spends on one file:

- the taint engine enforces it itself (it analyses the whole program, function by function);
- analyzers that work file by file (``per_file = True``, see :func:`works_per_file`: the
  ``patterns``, ``secrets`` and ``ai-directives`` analyzers) are timed here. The runner hands
  them the files in a sequence that starts a file's deadline when the analyzer takes that file
  from it, so they still run over all their files in one call (their set-up, such as compiling
  rules, is paid once). A file over its deadline becomes ``Skipped(path, TIMEOUT, detail,
  analyzer)``; the analyzer's findings for the files before it are recovered by running those
  again (each finished in time once), and it goes on with the files after it. So a hostile file
  costs its own findings and at most one more pass over the files before it, never the scan;
- model analyzers are bounded by their own request timeouts and budgets.

How a deadline is enforced: in the main thread of a process -- worker processes run their
tasks in theirs -- with ``signal.setitimer(ITIMER_REAL)`` and a handler that raises
:class:`FileTimeout` (a ``BaseException``, so an analyzer's ``except Exception`` cannot swallow
it) in the middle of the analysis. A previous ``SIGALRM`` handler and a running
``ITIMER_REAL`` timer are restored afterwards, and an outer timer that falls due meanwhile is
still delivered to its handler on time. Elsewhere (``scan`` called from another thread) Python
cannot deliver signals, so the runner only measures: a file that took longer than the limit is
reported as a TIMEOUT skip after it finished, its findings kept, and the detail says it was not
interrupted.

Limitation: Python runs signal handlers between bytecodes, so a single long call into C -- a
regular expression backtracking catastrophically in ``re``, a huge ``ast.parse`` -- is not
interrupted; the timeout takes effect when that call returns (the file is still reported as a
TIMEOUT skip, late).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, overload

from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput
from vulnhound.analyzers.registry import create, rebuildable, register
from vulnhound.config import Config
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import Skipped, SkipReason, SourceFile

if TYPE_CHECKING:
    from vulnhound.diffscan import ChangedCode

# Below this much source text a worker's start-up costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024


def works_per_file(analyzer: Analyzer) -> bool:
    """Whether the runner may time ``analyzer`` file by file (see the module docstring).

    An analyzer says so with a class attribute ``per_file = True`` (or opts out with False):
    it promises to iterate over the files it is given once, in order, finishing each before
    taking the next.
    """
    return getattr(analyzer, "per_file", False) is True


def run_one(analyzer: Analyzer, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
    """Run one analyzer; a crash becomes a skip for its files, never a lost scan.

    When a run over several files crashes, each file is retried alone, so one hostile
    file (e.g. nesting deep enough to exhaust the stack) costs only its own findings.
    An analyzer that works file by file is held to ``per_file_timeout`` on each file.
    """
    if not files and getattr(analyzer, "cache_scope", None) in ("file", "program"):
        return AnalyzerOutput()  # its results depend on files alone: none given, nothing to say
    limit = float(context.config.per_file_timeout)
    if not files or not works_per_file(analyzer) or not (0 < limit < math.inf):
        return _untimed(analyzer, files, context)
    progress = _Progress(context.progress, len(files))
    timed_context = replace(context, progress=progress)
    with _Deadline(limit) as deadline:
        output = _timed(analyzer, list(files), timed_context, deadline)
    progress.finish()
    return output


def _untimed(analyzer: Analyzer, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
    try:
        return analyzer.analyze(files, context)
    except Exception as exc:  # an analyzer bug must not cost the other analyzers' findings
        if len(files) > 1:
            return merge_outputs([_untimed(analyzer, [f], context) for f in files])
        return _crashed(analyzer, files, exc)


def _crashed(analyzer: Analyzer, files: Sequence[SourceFile], exc: Exception) -> AnalyzerOutput:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    detail = (
        f"{analyzer.name} crashed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    )
    return AnalyzerOutput(
        skipped=tuple(Skipped(f.path, SkipReason.ANALYZER_ERROR, detail, analyzer.name) for f in files)
    )


def _timed(
    analyzer: Analyzer, files: list[SourceFile], context: AnalysisContext, deadline: _Deadline
) -> AnalyzerOutput:
    """``files`` in one call of the analyzer, each under the deadline (see the module docstring)."""
    outputs: list[AnalyzerOutput] = []
    pending = files
    while pending:
        tracked = _TrackedFiles(pending, deadline)
        try:
            try:
                output = analyzer.analyze(tracked, context)
            finally:
                deadline.disarm()
        except FileTimeout:
            # Only raised while the analyzer holds a file (the deadline is armed only then).
            index = min(max(tracked.current, 0), len(pending) - 1)
            culprit = pending[index]
            outputs.append(
                AnalyzerOutput(
                    skipped=(
                        Skipped(
                            culprit.path,
                            SkipReason.TIMEOUT,
                            f"{analyzer.name} exceeded the per-file timeout of {deadline.limit:g}s",
                            analyzer.name,
                        ),
                    )
                )
            )
            if index > 0:  # their findings went down with the interrupted call: run them again
                outputs.append(_timed(analyzer, pending[:index], context, deadline))
            pending = pending[index + 1 :]
            continue
        except Exception as exc:  # an analyzer bug: retry each file alone, as run_one does
            if len(pending) > 1:
                outputs.extend(_timed(analyzer, [f], context, deadline) for f in pending)
            else:
                outputs.append(_crashed(analyzer, pending, exc))
            break
        outputs.append(output)
        outputs.append(AnalyzerOutput(skipped=tracked.overruns(analyzer.name)))
        break
    return merge_outputs(outputs)


class FileTimeout(BaseException):
    """Raised in an analyzer, by the SIGALRM handler, when its current file is over time.

    Not an ``Exception``: like ``KeyboardInterrupt`` it must pass through an analyzer's
    ``except Exception`` clauses."""


class _Progress:
    """Forwards an analyzer's per-file progress, never more than its number of files in all;
    ``finish`` makes up for files it did not report (a timed-out file reports nothing)."""

    def __init__(self, forward: Callable[[int], None], total: int) -> None:
        self._forward = forward
        self._left = total

    def __call__(self, count: int) -> None:
        count = min(count, self._left)
        if count > 0:
            self._left -= count
            self._forward(count)

    def finish(self) -> None:
        self(self._left)


class _Deadline:
    """One file's deadline at a time, enforced with SIGALRM where Python allows signals.

    ``arm`` starts the deadline of a file and ``disarm`` ends it; between them the handler
    raises :class:`FileTimeout` when the time is up. Entering installs the handler (only in
    the main thread; elsewhere ``interrupts`` is False and nothing is armed), leaving restores
    the previous handler and timer. An outer ITIMER_REAL timer stays honoured: no alarm is
    set beyond it, and when it falls due its own handler runs.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.interrupts = False
        self.armed = False
        self._due = math.inf
        self._previous: Any = None
        self._outer_due: float | None = None
        self._outer_interval = 0.0

    def __enter__(self) -> _Deadline:
        self.interrupts = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )
        if not self.interrupts:
            return self
        try:
            self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
        except ValueError:  # not the main interpreter, or signals unavailable here
            self.interrupts = False
            return self
        remaining, interval = signal.setitimer(signal.ITIMER_REAL, 0)
        if remaining > 0:
            self._outer_due = time.monotonic() + remaining
            self._outer_interval = interval
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.interrupts:
            return
        self.disarm()
        signal.signal(signal.SIGALRM, self._previous if self._previous is not None else signal.SIG_DFL)
        if self._outer_due is not None:
            remaining = self._outer_due - time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), self._outer_interval)

    def arm(self) -> None:
        self._due = time.monotonic() + self.limit
        if self.interrupts:
            self.armed = True
            self._set_timer()

    def disarm(self) -> None:
        if self.interrupts:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            if self._outer_due is not None:
                self._set_timer()

    def _set_timer(self) -> None:
        now = time.monotonic()
        due = self._due if self.armed else math.inf
        if self._outer_due is not None:
            due = min(due, self._outer_due)
        if due < math.inf:
            signal.setitimer(signal.ITIMER_REAL, max(due - now, 1e-6))

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if self._outer_due is not None and now >= self._outer_due:
            self._outer_due = now + self._outer_interval if self._outer_interval > 0 else None
            self._set_timer()
            self._deliver_outer(signum, frame)
        if self.armed and now >= self._due - 0.001:
            self.armed = False
            raise FileTimeout
        self._set_timer()  # woken early (an outer timer): wait on for the file's deadline

    def _deliver_outer(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:  # the default action: end the process
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGALRM)
        # SIG_IGN, or a handler installed outside Python (None): nothing to run from here.


class _TrackedFiles(Sequence[SourceFile]):
    """The files as an analyzer iterates over them: taking a file starts its deadline.

    ``current`` is the index of the file the analyzer holds (-1 before the first). When the
    deadline cannot interrupt, each file's time is measured and overruns are reported.
    """

    def __init__(self, files: list[SourceFile], deadline: _Deadline) -> None:
        self._files = files
        self._deadline = deadline
        self.current = -1
        self._started = 0.0
        self._overruns: list[tuple[str, float]] = []

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, index: int) -> SourceFile: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceFile]: ...

    def __getitem__(self, index: int | slice) -> SourceFile | Sequence[SourceFile]:
        return self._files[index]

    def __iter__(self) -> Iterator[SourceFile]:
        for index, source in enumerate(self._files):
            self._finish_current()
            self.current = index
            self._started = time.monotonic()
            self._deadline.arm()
            yield source
        self._finish_current()
        self.current = len(self._files)

    def _finish_current(self) -> None:
        self._deadline.disarm()
        if 0 <= self.current < len(self._files):
            spent = time.monotonic() - self._started
            if spent > self._deadline.limit:
                self._overruns.append((self._files[self.current].path, spent))

    def overruns(self, analyzer: str) -> tuple[Skipped, ...]:
        """Files that went over the limit without being interrupted (their findings stand)."""
        why = (
            "the analyzer did not stop when interrupted"
            if self._deadline.interrupts
            else "not interrupted: the analysis ran outside the main thread"
        )
        return tuple(
            Skipped(
                path,
                SkipReason.TIMEOUT,
                f"{analyzer} took {spent:.1f}s, over the per-file timeout of "
                f"{self._deadline.limit:g}s ({why}; its findings are kept)",
                analyzer,
            )
            for path, spent in self._overruns
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
    names: Sequence[tuple[str, str]],
    files: Sequence[Sequence[SourceFile]],
    config: Config,
    rules: RuleCatalog,
    changed: ChangedCode | None = None,
) -> list[AnalyzerOutput]:
    """Entry point in a worker process: rebuild the analyzers by name and run them in turn.

    Each name comes with its registry target, so analyzers registered at run time (plugins,
    tests) are known in a worker that was spawned rather than forked.
    """
    context = AnalysisContext(config=config, rules=rules, changed=changed)
    outputs = []
    for (name, target), own in zip(names, files, strict=True):
        register(name, target)
        outputs.append(run_one(create(name), own, context))
    return outputs


def _target(analyzer: Analyzer) -> tuple[str, str]:
    """Name and registry target of a rebuildable analyzer (its class, by definition)."""
    kind = type(analyzer)
    return analyzer.name, f"{kind.__module__}:{kind.__qualname__}"


def _worker_count(config: Config, analyzers: Sequence[Analyzer], own: Sequence[Sequence[SourceFile]]) -> int:
    """How many worker processes to use besides this one (0: run everything here): none when
    the work that could move (analyzers after the first, rebuildable ones) is small."""
    cores = config.jobs or os.cpu_count() or 1
    if cores <= 1 or len(analyzers) <= 1:
        return 0
    movable = [i for i in range(1, len(analyzers)) if rebuildable(analyzers[i]) and own[i]]
    if sum(len(f.text) for i in movable for f in own[i]) < PARALLEL_MIN_BYTES:
        return 0
    return min(cores - 1, len(movable))


def run_all(
    analyzers: Sequence[Analyzer],
    files: Sequence[SourceFile],
    context: AnalysisContext,
    selection: Sequence[Sequence[SourceFile]] | None = None,
) -> list[AnalyzerOutput]:
    """Outputs in the order of ``analyzers``, whether they ran here or in workers.

    ``selection`` gives, in the same order, the files each analyzer is to read (the result
    cache hands over only what it cannot answer); by default each reads the files of its
    languages."""
    own = [
        list(selection[i]) if selection is not None else _files_for(a, files) for i, a in enumerate(analyzers)
    ]
    workers = _worker_count(context.config, analyzers, own)
    if workers == 0:
        return [run_one(a, own[i], context) for i, a in enumerate(analyzers)]
    # The first analyzer (the heaviest by convention) and any that cannot move stay here;
    # the movable rest are dealt round-robin to the workers.
    groups: list[list[int]] = [[] for _ in range(workers)]
    movable = [i for i, a in enumerate(analyzers) if i > 0 and rebuildable(a) and own[i]]
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
                    _worker,
                    [_target(analyzers[i]) for i in group],
                    [own[i] for i in group],
                    context.config,
                    context.rules,
                    context.changed,
                ),
            )
            for group in groups
            if group
        ]
        for index, analyzer in enumerate(analyzers):
            if index not in movable:
                outputs[index] = run_one(analyzer, own[index], context)
        for group, future in futures:
            try:
                results = future.result()
            except (BrokenProcessPool, OSError):  # a dead worker: redo its share here
                results = [run_one(analyzers[i], own[i], bare_context) for i in group]
            for index, output in zip(group, results, strict=True):
                outputs[index] = output
                context.progress(len(own[index]))
    return [outputs[i] for i in range(len(analyzers))]
