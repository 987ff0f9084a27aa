"""Score vulnhound on the SVEN/SafeCoder Python vulnerable/fixed function pairs.

A development measure, not a benchmark we tune to: each pair is one real function before and
after its security fix, shown out of its project. Every function is written alone to a temporary
directory and scanned there (no cross-sample flow). Per CWE and overall we report

- TPR: share of vulnerable functions flagged with their CWE,
- FPR: share of fixed functions flagged with that CWE,
- pairwise accuracy: vulnerable flagged with the CWE and fixed not.

Functions receive their inputs as parameters, which a web-source taint engine does not treat
as tainted; ``--taint-parameters`` turns on ``Config.taint_parameters`` when the engine has it.

    .venv/bin/python benchmarks/sven_eval.py [--dataset PATH] [--json OUT] [--taint-parameters]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _runinfo import git_head

from vulnhound.rules.catalog import normalize_cwe

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASET = REPO.parent / "shared/datasets/sven-safecoder-python-pairs.jsonl"


@dataclass(frozen=True)
class Sample:
    id: str
    cwe: str
    file: str
    vulnerable_code: str
    fixed_code: str


def load_samples(path: Path) -> list[Sample]:
    samples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                samples.append(
                    Sample(
                        row["id"],
                        normalize_cwe(row["cwe"]),
                        Path(row["file"]).name or "sample.py",
                        row["vulnerable_code"],
                        row["fixed_code"],
                    )
                )
    return samples


def as_module(code: str) -> str:
    """A function (often a method, indented) as a module: one newline style, dedented."""
    return textwrap.dedent(code.replace("\r\n", "\n").replace("\r", "\n")).strip("\n") + "\n"


@dataclass(frozen=True)
class Outcome:
    """What one scan of one function said: CWE ids of active findings, and whether it was skipped."""

    cwes: frozenset[str]
    skipped: bool


def make_config(taint_parameters: bool) -> tuple[Any, bool]:
    """The scan config; the flag reports whether taint_parameters could be applied."""
    from vulnhound.config import Config

    config = Config(jobs=1)
    if taint_parameters and "taint_parameters" in {f.name for f in dataclasses.fields(Config)}:
        return config.replace(taint_parameters=True), True
    return config, False


def scan_code(job: tuple[str, str, bool]) -> Outcome:
    """Write one function to a fresh directory and scan it there."""
    import vulnhound

    file_name, code, taint_parameters = job
    config, _ = make_config(taint_parameters)
    with tempfile.TemporaryDirectory(prefix="sven-") as tmp:
        (Path(tmp) / file_name).write_text(as_module(code), encoding="utf-8")
        result = vulnhound.scan([Path(tmp)], config)
    cwes = frozenset(normalize_cwe(c) for f in result.active for c in f.cwe)
    return Outcome(cwes, bool(result.skipped) or result.files_analyzed == 0)


@dataclass
class Tally:
    pairs: int = 0
    vuln_flagged: int = 0
    fixed_flagged: int = 0
    pair_correct: int = 0
    skipped: int = 0  # samples (either side) the scan skipped, e.g. Python 2 syntax
    correct_ids: list[str] = field(default_factory=list)

    def add(self, sample: Sample, vuln: Outcome, fixed: Outcome) -> None:
        self.pairs += 1
        v = sample.cwe in vuln.cwes
        f = sample.cwe in fixed.cwes
        self.vuln_flagged += v
        self.fixed_flagged += f
        self.skipped += vuln.skipped + fixed.skipped
        if v and not f:
            self.pair_correct += 1
            self.correct_ids.append(sample.id)

    def rates(self) -> dict[str, float]:
        n = self.pairs or 1
        return {
            "tpr": round(self.vuln_flagged / n, 4),
            "fpr": round(self.fixed_flagged / n, 4),
            "pairwise_accuracy": round(self.pair_correct / n, 4),
        }


def evaluate(samples: Sequence[Sample], taint_parameters: bool, workers: int) -> dict[str, Tally]:
    jobs = [(s.file, code, taint_parameters) for s in samples for code in (s.vulnerable_code, s.fixed_code)]
    if workers <= 1:
        outcomes = [scan_code(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(scan_code, jobs, chunksize=8))
    tallies: dict[str, Tally] = {}
    for i, sample in enumerate(samples):
        vuln, fixed = outcomes[2 * i], outcomes[2 * i + 1]
        tallies.setdefault(sample.cwe, Tally()).add(sample, vuln, fixed)
        tallies.setdefault("all", Tally()).add(sample, vuln, fixed)
    return tallies


def ordered(tallies: dict[str, Tally]) -> Iterable[tuple[str, Tally]]:
    keys = sorted((k for k in tallies if k != "all"), key=lambda k: (-tallies[k].pairs, k))
    return [(k, tallies[k]) for k in [*keys, "all"] if k in tallies]


def markdown(tallies: dict[str, Tally]) -> str:
    lines = [
        "| CWE | pairs | vulnerable flagged (TPR) | fixed flagged (FPR) | pairwise accuracy | skipped |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cwe, t in ordered(tallies):
        r = t.rates()
        lines.append(
            f"| {cwe} | {t.pairs} | {t.vuln_flagged} ({r['tpr']:.1%}) | {t.fixed_flagged} ({r['fpr']:.1%}) "
            f"| {t.pair_correct} ({r['pairwise_accuracy']:.1%}) | {t.skipped} |"
        )
    return "\n".join(lines)


def git_commit() -> str:
    """HEAD, marked ``+dirty`` when src/ has uncommitted changes (they were measured too)."""
    commit, dirty = git_head(REPO)
    return commit + ("+dirty" if dirty else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--taint-parameters", action="store_true", help="treat function parameters as tainted"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N pairs (quick checks)")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    import vulnhound

    samples = load_samples(args.dataset)
    if args.limit:
        samples = samples[: args.limit]
    _, applied = make_config(args.taint_parameters)
    started = time.perf_counter()
    tallies = evaluate(samples, args.taint_parameters, args.workers)
    elapsed = time.perf_counter() - started

    meta = {
        "date": dt.date.today().isoformat(),
        "command": " ".join(["benchmarks/sven_eval.py", *(argv if argv is not None else sys.argv[1:])]),
        "vulnhound_version": vulnhound.__version__,
        "git_commit": git_commit(),
        "dataset": args.dataset.name,
        "taint_parameters_requested": args.taint_parameters,
        "taint_parameters_applied": applied,
        "seconds": round(elapsed, 1),
    }
    table = markdown(tallies)
    sys.stdout.write(json.dumps(meta) + "\n\n" + table + "\n")
    if args.taint_parameters and not applied:
        sys.stdout.write("\nnote: this vulnhound's Config has no taint_parameters field; ran without it\n")
    if args.json:
        doc = {
            "meta": meta,
            "per_cwe": {
                cwe: {
                    "pairs": t.pairs,
                    "vulnerable_flagged": t.vuln_flagged,
                    "fixed_flagged": t.fixed_flagged,
                    "pair_correct": t.pair_correct,
                    "skipped": t.skipped,
                    **t.rates(),
                }
                for cwe, t in ordered(tallies)
            },
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
