"""Run analyzers over a dataset, attribute findings to samples, checkpoint and score.

A finding counts for a sample when it lies in the sample's file and one of its CWE ids equals
one of the sample's (exact match after normalising ``CWE-089`` to ``CWE-89``; no parent/child
walking of the CWE tree). Line numbers are ignored. A sample without CWE ids (a safe file of a
truth SARIF) is flagged by any finding in its file.

Outcomes are appended to a JSONL checkpoint keyed by (dataset hash, analyzer identity, sample
id) as each batch finishes, so an interrupted run resumes with the samples it has not done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vulnhound import __version__
from vulnhound.bench.datasets import Dataset, Sample, materialise
from vulnhound.bench.metrics import Outcome, score
from vulnhound.bench.runners import Runner, RunnerOutput, identity_key, ruleset_hash
from vulnhound.findings import Finding
from vulnhound.importers.common import cwe_ids
from vulnhound.importers.paths import PathIndex

RESULT_FORMAT = "vulnhound-bench"
RESULT_VERSION = 1

Progress = Callable[[str, int, int], None]  # (analyzer, samples done, samples total)


def _matches(finding: Finding, sample: Sample) -> bool:
    if not sample.cwe:
        return True
    return bool(set(cwe_ids(finding.cwe)) & set(sample.cwe))


def outcomes_for(samples: Sequence[Sample], output: RunnerOutput, index: PathIndex) -> list[Outcome]:
    """Score one runner output over the samples it covered; usage is split per file or evenly."""
    by_path: dict[str, list[Finding]] = {}
    for finding in output.findings:
        path = index.resolve(finding.location.path)
        if path is not None:
            by_path.setdefault(path, []).append(finding)
    per_file_count: dict[str, int] = {}
    for sample in samples:
        per_file_count[sample.path] = per_file_count.get(sample.path, 0) + 1
    n = max(len(samples), 1)
    total_in = sum(u.tokens_in for u in output.usage)
    total_out = sum(u.tokens_out for u in output.usage)
    total_cost = sum(u.cost_usd for u in output.usage)
    total_bytes = sum(u.bytes_sent for u in output.usage)
    outcomes = []
    for sample in samples:
        in_file = by_path.get(sample.path, [])
        matching = [f for f in in_file if _matches(f, sample)]
        usage = output.per_path.get(sample.path)
        if usage is not None:
            share = per_file_count[sample.path]
            tokens_in, tokens_out, cost, sent = (
                usage.tokens_in // share,
                usage.tokens_out // share,
                usage.cost_usd / share,
                usage.bytes_sent // share,
            )
        else:
            tokens_in, tokens_out, cost, sent = (
                total_in // n,
                total_out // n,
                total_cost / n,
                total_bytes // n,
            )
        outcomes.append(
            Outcome(
                sample_id=sample.id,
                category=sample.category,
                vulnerable=sample.vulnerable,
                flagged=bool(matching),
                pair_id=sample.pair_id,
                findings=len(in_file),
                rules=tuple(sorted({f.rule_id for f in matching})),
                duration_s=output.duration_s / n,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost_usd=cost,
                bytes_sent=sent,
            )
        )
    return outcomes


class Checkpoint:
    """Append-only JSONL of finished outcomes; a torn last line (a kill mid-write) is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, dataset: str, analyzer: str) -> dict[str, Outcome]:
        done: dict[str, Outcome] = {}
        if not self.path.is_file():
            return done
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                    if record.get("dataset") == dataset and record.get("analyzer") == analyzer:
                        outcome = Outcome.from_json(record["outcome"])
                        done[outcome.sample_id] = outcome
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue
        return done

    def append(self, dataset: str, analyzer: str, outcomes: Iterable[Outcome]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = False
        if self.path.is_file() and self.path.stat().st_size:
            with self.path.open("rb") as existing:
                existing.seek(-1, os.SEEK_END)
                torn = existing.read(1) != b"\n"
        with self.path.open("a", encoding="utf-8") as handle:
            if torn:  # start after a line cut short by a kill, never glued to it
                handle.write("\n")
            for outcome in outcomes:
                record = {"dataset": dataset, "analyzer": analyzer, "outcome": outcome.to_json()}
                handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


@dataclass
class AnalyzerRun:
    name: str
    key: str
    identity: dict[str, Any]
    outcomes: list[Outcome]
    resumed: int = 0  # outcomes taken from the checkpoint
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        scores = score(self.outcomes)
        return {
            "name": self.name,
            "key": self.key,
            "identity": self.identity,
            "resumed": self.resumed,
            "notes": self.notes,
            **scores,
            "samples": [o.to_json() for o in self.outcomes],
        }


@dataclass
class BenchResult:
    dataset: Dataset
    runs: list[AnalyzerRun]

    def to_json(self) -> dict[str, Any]:
        samples = self.dataset.samples
        analyzers = [run.to_json() for run in self.runs]
        first = analyzers[0] if analyzers else {"overall": {}, "categories": {}}
        return {
            "format": RESULT_FORMAT,
            "version": RESULT_VERSION,
            "vulnhound_version": __version__,
            "ruleset_hash": ruleset_hash(),
            "matching": "file and exact CWE; lines ignored",
            "dataset": {
                "name": self.dataset.name,
                "format": self.dataset.format,
                "origin": str(self.dataset.origin),
                "hash": self.dataset.hash,
                "samples": len(samples),
                "vulnerable": sum(s.vulnerable for s in samples),
                "safe": sum(not s.vulnerable for s in samples),
                "pairs": self.dataset.pairs,
                "categories": sorted({s.category for s in samples}),
            },
            # The first analyzer's scores at the top, for single-analyzer runs and quick reads.
            "overall": first["overall"],
            "categories": first["categories"],
            "analyzers": analyzers,
        }


def _batches(samples: list[Sample], size: int | None) -> list[list[Sample]]:
    if not samples:
        return []
    if size is None or size <= 0:
        return [samples]
    return [samples[i : i + size] for i in range(0, len(samples), size)]


def run_bench(
    dataset: Dataset,
    runners: Sequence[Runner],
    work_dir: Path,
    *,
    resume: bool = True,
    progress: Progress | None = None,
) -> BenchResult:
    """Score every runner on every sample, reusing checkpointed outcomes when ``resume``."""
    root = materialise(dataset, work_dir)
    index = PathIndex(root, (s.path for s in dataset.samples))
    checkpoint = Checkpoint(work_dir / "checkpoint.jsonl")
    total = len(dataset.samples)
    ids = {s.id for s in dataset.samples}
    runs: list[AnalyzerRun] = []
    for runner in runners:
        key = identity_key(runner)
        done = checkpoint.load(dataset.hash, key) if resume else {}
        done = {k: v for k, v in done.items() if k in ids}
        resumed = len(done)
        todo = [s for s in dataset.samples if s.id not in done]
        notes: list[str] = []
        if progress:
            progress(runner.name, len(done), total)
        for batch in _batches(todo, runner.batch_size):
            # The whole tree at once when nothing is done yet: one scan, fastest.
            paths = None if len(batch) == total else sorted({s.path for s in batch})
            output = runner.run(root, paths)
            notes.extend(output.notes)
            fresh = outcomes_for(batch, output, index)
            checkpoint.append(dataset.hash, key, fresh)
            done.update((o.sample_id, o) for o in fresh)
            if progress:
                progress(runner.name, len(done), total)
        outcomes = [done[s.id] for s in dataset.samples]
        runs.append(AnalyzerRun(runner.name, key, runner.identity(), outcomes, resumed, notes))
    return BenchResult(dataset, runs)
