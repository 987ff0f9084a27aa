"""Calibrated triage: a model may dismiss findings only once measured not to dismiss real ones.

``vulnhound models calibrate NAME --dataset D`` scans a labelled dataset with the deterministic
analyzers, has the model triage every finding, and compares its verdicts with the labels: a
finding is real when it lies in a vulnerable sample (inside its labelled lines, if any) and
carries one of the sample's CWEs; it is a false alarm when it lies in a safe sample. The
record holds the false-dismissal rate (real findings the model called false positives) with a
95% Wilson interval, and the agreement with the labels. Triage then lets a model dismiss only
when the interval's upper bound is at most ``triage_max_false_dismissal``: with 30 real
findings and none dismissed the bound is 11%; a model must be measured on enough real findings
before its "false positive" closes anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vulnhound.errors import ConfigError
from vulnhound.findings import Finding, Verdict
from vulnhound.models.config import ModelConfig

if TYPE_CHECKING:
    from vulnhound.bench.datasets import Sample

CALIBRATION_FILE = Path(".vulnhound") / "calibration.json"
Z95 = 1.959963984540054


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0..1; (0, 1) when nothing was measured)."""
    if total <= 0:
        return 0.0, 1.0
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def identity(model: ModelConfig) -> str:
    """What a calibration is of: the provider and the model behind the name."""
    return f"{model.provider}:{model.model or model.model_path}"


@dataclass(frozen=True)
class Calibration:
    model: str
    identity: str
    dataset: str
    dataset_hash: str
    date: str
    real: int  # findings the labels say are real
    false_alarms: int  # findings in safe samples
    false_dismissals: int  # real findings the model called false positive
    correct_dismissals: int  # false alarms it called false positive
    agreement: int  # verdicts matching the label (uncertain never does)
    judged: int  # findings with a verdict
    uncertain: int

    @property
    def false_dismissal_rate(self) -> float:
        return self.false_dismissals / self.real if self.real else 0.0

    @property
    def false_dismissal_upper(self) -> float:
        return wilson(self.false_dismissals, self.real)[1]

    def to_json(self) -> dict[str, Any]:
        low, high = wilson(self.false_dismissals, self.real)
        alow, ahigh = wilson(self.agreement, self.judged)
        return {
            **asdict(self),
            "false_dismissal_rate": round(self.false_dismissal_rate, 4),
            "false_dismissal_ci95": [round(low, 4), round(high, 4)],
            "agreement_rate": round(self.agreement / self.judged, 4) if self.judged else 0.0,
            "agreement_ci95": [round(alow, 4), round(ahigh, 4)],
        }

    def permits(self, limit: float) -> bool:
        return self.real > 0 and self.false_dismissal_upper <= limit


def _fields() -> tuple[str, ...]:
    return tuple(Calibration.__dataclass_fields__)


def load(path: Path) -> dict[str, Calibration]:
    """The calibrations in a file by model name; {} when there is none."""
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: Calibration(**{k: entry[k] for k in _fields()})
            for name, entry in doc.get("models", {}).items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a calibration file: {exc}") from exc


def store(path: Path, record: Calibration) -> None:
    from vulnhound.output import write_atomic

    known = load(path)
    known[record.model] = record
    doc = {"version": 1, "models": {name: known[name].to_json() for name in sorted(known)}}
    write_atomic(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def _in_sample(finding: Finding, sample: Sample) -> bool:
    """In the sample's file, and near its labelled lines when it has some."""
    if finding.location.path != sample.path:
        return False
    if not sample.lines:
        return True
    return min(sample.lines) - 2 <= finding.location.start_line <= max(sample.lines) + 2


def label(finding: Finding, samples: Sequence[Sample]) -> bool | None:
    """True: a real finding; False: a false alarm; None: outside every sample, or a vulnerable
    sample's other weakness (not what the label is about)."""
    for sample in samples:
        if not _in_sample(finding, sample):
            continue
        if not sample.vulnerable:
            return False
        return True if set(finding.cwe) & set(sample.cwe) else None
    return None


def measure(
    model: ModelConfig,
    dataset: str,
    dataset_hash: str,
    samples: Sequence[Sample],
    votes: Iterable[tuple[Finding, str, Verdict]],
) -> Calibration:
    """Compare ``model``'s votes (finding, model name, verdict) with the samples' labels."""
    real = alarms = false_dismissals = correct_dismissals = agreement = judged = uncertain = 0
    for finding, name, verdict in votes:
        if name != model.name:
            continue
        truth = label(finding, samples)
        if truth is None:
            continue
        judged += 1
        real += truth
        alarms += not truth
        if verdict == Verdict.UNCERTAIN:
            uncertain += 1
        elif verdict == Verdict.FALSE_POSITIVE:
            false_dismissals += truth
            correct_dismissals += not truth
            agreement += not truth
        else:
            agreement += truth
    return Calibration(
        model.name, identity(model), dataset, dataset_hash, datetime.now(UTC).strftime("%Y-%m-%d"),
        real, alarms, false_dismissals, correct_dismissals, agreement, judged, uncertain,
    )  # fmt: skip


@dataclass(frozen=True)
class DismissalGate:
    """Which models may dismiss: measured, on the same model, under the limit."""

    records: Mapping[str, Calibration]
    limit: float

    def refusal(self, model: ModelConfig) -> str | None:
        """Why ``model`` may not dismiss, or None when it may."""
        record = self.records.get(model.name)
        if record is None or record.identity != identity(model):
            return (
                f"model {model.name} is not calibrated (vulnhound models calibrate {model.name} --dataset D)"
            )
        if not record.permits(self.limit):
            return (
                f"model {model.name} dismissed {record.false_dismissals} of {record.real} real findings "
                f"on {record.dataset} (95% upper bound {record.false_dismissal_upper:.0%} > "
                f"triage_max_false_dismissal {self.limit:.0%})"
            )
        return None


def calibrate(
    config: Any, name: str, dataset_path: Path, *, fmt: str | None = None, work_dir: Path,
    no_cache: bool = False, ledger: Path | None = None,
) -> tuple[Calibration, tuple[str, ...]]:  # fmt: skip
    """Scan the dataset, have ``name`` triage every finding, measure it against the labels;
    returns the record and the scan's notes (what the model did not judge, and why)."""
    from vulnhound.bench.datasets import load_dataset, materialise
    from vulnhound.models.config import select
    from vulnhound.models.setup import ModelOptions, build_setup
    from vulnhound.models.triage import TriageStage
    from vulnhound.scanner import scan

    (model,) = select(config.models, [name])
    dataset = load_dataset(dataset_path, fmt)
    root = materialise(dataset, work_dir)
    settings = config.replace(respect_gitignore=False, baseline=None)
    options = ModelOptions(
        models=(name,), paths=(str(root),), triage=True, calibrating=True, no_cache=no_cache, ledger=ledger
    )
    setup = build_setup(settings, options)
    try:
        result = scan([root], settings, analyzers=setup.analyzers, stages=setup.stages)
    finally:
        setup.close()
    stage = next(s for s in setup.stages if isinstance(s, TriageStage))
    scanned = Path(result.root)
    votes = []
    for finding, voter, verdict in stage.votes:
        try:
            rel = (scanned / finding.location.path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        votes.append((_moved(finding, rel), voter, verdict))
    record = measure(model, dataset.name, dataset.hash, dataset.samples, votes)
    return record, tuple(result.notes)


def _moved(finding: Finding, path: str) -> Finding:
    from dataclasses import replace

    return replace(finding, location=replace(finding.location, path=path))
