"""Analyzers side by side in worker processes give exactly the serial results."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import EXAMPLE_SHOP
from vulnhound import Config, scan
from vulnhound.analyzers import registry, runner
from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.findings import Confidence, Finding, Location, Severity
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import SourceFile

PARENT = os.getpid()


def _identity(paths: Sequence[str | Path], config: Config) -> list[tuple[str, str, int, str]]:
    result = scan(paths, config)
    return [(f.fingerprint, f.rule_id, f.location.start_line, ",".join(f.analyzers)) for f in result.findings]


def test_parallel_scan_equals_serial_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    serial = _identity([EXAMPLE_SHOP], Config(jobs=1))
    parallel = _identity([EXAMPLE_SHOP], Config(jobs=3))
    assert serial and parallel == serial


def test_worker_count_follows_jobs_size_and_movability(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzers = [registry.create(n) for n in registry.DEFAULT_ANALYZERS]
    big = [SourceFile("a.py", "/a.py", "python", "x = 1\n" * 200_000)]
    small = [SourceFile("a.py", "/a.py", "python", "x = 1\n")]
    each = [big] * len(analyzers)
    assert runner._worker_count(Config(jobs=1), analyzers, each) == 0
    assert runner._worker_count(Config(jobs=2), analyzers, each) == 1
    assert runner._worker_count(Config(jobs=16), analyzers, each) == len(analyzers) - 1
    assert runner._worker_count(Config(jobs=2), analyzers, [small] * len(analyzers)) == 0
    assert runner._worker_count(Config(jobs=2), analyzers[:1], each[:1]) == 0
    # only work that can move counts: a big file for the first analyzer alone keeps one process
    assert runner._worker_count(Config(jobs=2), analyzers, [big] + [small] * (len(analyzers) - 1)) == 0
    assert runner._worker_count(Config(jobs=16), analyzers, [big, big] + [[]] * (len(analyzers) - 2)) == 1


class DiesInWorker:
    """Kills any worker process it runs in; in the parent it reports one finding."""

    @property
    def name(self) -> str:
        return "dies-in-worker"

    def languages(self) -> frozenset[str]:
        return frozenset({"python"})

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return []

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        if os.getpid() != PARENT:
            os._exit(17)
        first = files[0]
        return AnalyzerOutput(
            findings=(
                Finding(
                    "test/ran",
                    ("CWE-1",),
                    Severity.LOW,
                    Confidence.LOW,
                    "ran",
                    Location(first.path, 1),
                    (self.name,),
                ),
            )
        )


def test_a_dead_worker_costs_time_not_findings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setitem(registry._ANALYZERS, "dies-in-worker", f"{__name__}:DiesInWorker")
    (tmp_path / "m.py").write_text("import hashlib\nhashlib.md5(b'')\n")
    analyzers = [registry.create("patterns"), registry.create("dies-in-worker")]
    assert registry.rebuildable(analyzers[1])
    result = scan([tmp_path], Config(jobs=2), analyzers=analyzers)
    assert {f.rule_id for f in result.findings} == {"py/weak-hash", "test/ran"}
