"""The per-file timeout holds for every analyzer that works file by file, here or in a worker."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import pytest

import vulnhound
from conftest import WriteTree
from vulnhound import Config, SkipReason
from vulnhound.analyzers import registry, runner
from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput
from vulnhound.findings import Confidence, Finding, Location, Severity
from vulnhound.result import ScanResult
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import SourceFile

LIMIT = 0.5
NAME = "slow-on-marked-files"


class SlowOnMarkedFiles:
    """One finding per file (naming the process); loops forever on a file saying LOOP, sleeps
    on one saying SLEEP, and swallows every ``Exception`` on the way."""

    per_file = True

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset({"python"})

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return []

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        findings = []
        for source in files:
            try:
                if "LOOP" in source.text:
                    while True:
                        pass
                if "SLEEP" in source.text:
                    time.sleep(60)
            except Exception:  # an analyzer's own error handling must not eat the deadline
                pass
            findings.append(
                Finding(
                    "test/seen",
                    ("CWE-1",),
                    Severity.LOW,
                    Confidence.LOW,
                    f"seen in process {os.getpid()}",
                    Location(source.path, 1),
                    (NAME,),
                )
            )
            context.progress(1)
        return AnalyzerOutput(tuple(findings))


class SlowWithoutInterruption(SlowOnMarkedFiles):
    """Takes 0.8 s on a file saying SLOW and, like a careless analyzer, survives any interruption."""

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        findings = []
        for source in files:
            if "SLOW" in source.text:
                end = time.monotonic() + 0.8
                while time.monotonic() < end:
                    with contextlib.suppress(BaseException):  # deliberately careless
                        time.sleep(0.05)
            findings.append(
                Finding(
                    "test/seen",
                    ("CWE-1",),
                    Severity.LOW,
                    Confidence.LOW,
                    "seen",
                    Location(source.path, 1),
                    (NAME,),
                )
            )
        return AnalyzerOutput(tuple(findings))


FILES = {
    "a.py": "x = 1\n",
    "b.py": "x = 2\n",
    "loop.py": "# LOOP\n",
    "c.py": "x = 3\n",
    "sleep.py": "# SLEEP\n",
    "d.py": "import hashlib\nhashlib.md5(b'')\n",
}


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Analyzer:
    monkeypatch.setitem(registry._ANALYZERS, NAME, f"{__name__}:SlowOnMarkedFiles")
    return registry.create(NAME)


def _check(result: ScanResult, started: float) -> set[str]:
    timeouts = {s.path: s for s in result.skipped if s.reason is SkipReason.TIMEOUT}
    assert set(timeouts) == {"loop.py", "sleep.py"}, result.skipped
    for skip in timeouts.values():
        assert skip.analyzer == NAME and f"{LIMIT:g}s" in skip.detail
    seen = {f.location.path for f in result.findings if f.rule_id == "test/seen"}
    assert seen == {"a.py", "b.py", "c.py", "d.py"}  # the files before and after each one
    assert ("d.py", "py/weak-hash") in {(f.location.path, f.rule_id) for f in result.findings}
    assert result.files_analyzed == 4
    assert time.monotonic() - started < 20
    return {f.message for f in result.findings if f.rule_id == "test/seen"}


def test_a_file_over_the_limit_is_cut_in_process(
    slow: Analyzer, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", FILES)
    progress: list[tuple[str, int, int]] = []
    started = time.monotonic()
    result = vulnhound.scan(
        [root],
        Config(per_file_timeout=LIMIT, jobs=1),
        analyzers=[registry.create("patterns"), slow],
        progress=lambda *a: progress.append(a),
    )
    assert _check(result, started) == {f"seen in process {os.getpid()}"}
    assert progress[-1][1:] == (12, 12)  # every file of every analyzer counted once, timed out or not
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_file_over_the_limit_is_cut_in_a_worker_process(
    slow: Analyzer, tmp_path: Path, write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    root = write_tree(tmp_path / "p", FILES)
    analyzers = [registry.create("patterns"), slow]
    one = [SourceFile("a", "a", "python", "x")]
    assert runner._worker_count(Config(jobs=2), analyzers, [one, one]) == 1
    started = time.monotonic()
    result = vulnhound.scan([root], Config(per_file_timeout=LIMIT, jobs=2), analyzers=analyzers)
    (message,) = _check(result, started)
    assert message != f"seen in process {os.getpid()}"  # it really ran in a worker


def test_outside_the_main_thread_an_overrun_is_measured_and_reported(
    tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"a.py": "x = 1\n", "slow.py": "# SLOW\n", "b.py": "x = 2\n"})
    results: list[ScanResult] = []
    thread = threading.Thread(
        target=lambda: results.append(
            vulnhound.scan(
                [root], Config(per_file_timeout=LIMIT, jobs=1), analyzers=[SlowWithoutInterruption()]
            )
        )
    )
    thread.start()
    thread.join(30)
    (result,) = results
    (skip,) = result.skipped
    assert (skip.path, skip.reason, skip.analyzer) == ("slow.py", SkipReason.TIMEOUT, NAME)
    assert "not interrupted" in skip.detail and "outside the main thread" in skip.detail
    assert {f.location.path for f in result.findings} == {"a.py", "slow.py", "b.py"}  # nothing to lose


def test_an_analyzer_that_survives_the_interruption_is_still_reported(
    tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"a.py": "x = 1\n", "slow.py": "# SLOW\n"})
    result = vulnhound.scan(
        [root], Config(per_file_timeout=LIMIT, jobs=1), analyzers=[SlowWithoutInterruption()]
    )
    (skip,) = result.skipped
    assert (skip.path, skip.reason) == ("slow.py", SkipReason.TIMEOUT)
    assert "did not stop" in skip.detail


def test_a_previous_alarm_handler_and_timer_are_restored_and_honoured(
    slow: Analyzer, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", FILES)
    rang: list[float] = []

    def outer(_signum: int, _frame: FrameType | None) -> None:
        rang.append(time.monotonic())

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.2)  # falls due while the first file loops
        vulnhound.scan([root], Config(per_file_timeout=LIMIT, jobs=1), analyzers=[slow])
        assert len(rang) == 1 and rang[0] - started < LIMIT  # delivered on time, not after the scan
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        vulnhound.scan([root], Config(per_file_timeout=LIMIT, jobs=1), analyzers=[slow])
        assert signal.getsignal(signal.SIGALRM) is outer
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < remaining < 30.0  # still running, less the time the scan took
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_which_analyzers_are_timed_file_by_file() -> None:
    assert [
        runner.works_per_file(registry.create(n)) for n in ("engine", "patterns", "secrets", "ai-directives")
    ] == [
        False,
        True,
        True,
        True,
    ]
    assert runner.works_per_file(SlowOnMarkedFiles())


def test_no_limit_when_the_timeout_is_not_positive(slow: Analyzer) -> None:
    files = [SourceFile("a.py", "a.py", "python", "x = 1\n")]
    context = AnalysisContext(config=Config(per_file_timeout=0), rules=RuleCatalog.load([]))
    output = runner.run_one(slow, files, context)
    assert [f.location.path for f in output.findings] == ["a.py"] and output.skipped == ()
