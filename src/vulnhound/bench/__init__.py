"""``vulnhound bench``: score the engine, models and other tools on labelled datasets.

Load a dataset (:mod:`.datasets`), pick runners (:mod:`.runners`), run them with
checkpointing (:mod:`.core`), score (:mod:`.metrics`) and render (:mod:`.report`).
"""

from __future__ import annotations

from vulnhound.bench.core import BenchResult, run_bench
from vulnhound.bench.datasets import Dataset, Sample, load_dataset
from vulnhound.bench.metrics import Counts, Outcome, score
from vulnhound.bench.runners import Runner, RunnerOutput, create_runner

__all__ = [
    "BenchResult",
    "Counts",
    "Dataset",
    "Outcome",
    "Runner",
    "RunnerOutput",
    "Sample",
    "create_runner",
    "load_dataset",
    "run_bench",
    "score",
]
