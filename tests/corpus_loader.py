"""Load the labelled corpus under ``tests/corpus`` and score vulnhound on it.

Each case is a directory ``tests/corpus/<CWE>/<name>/`` holding ``case.toml`` and the Python
files of a small application. The corpus is an independent test of the engine: cases were
written from the issue's specification, not from the engine's rules.

Scoring, per CWE: a vulnerable case is a true positive when an active finding carrying the
case's CWE sits in the case's ``file``; a safe case is a false positive when any active
finding carries that CWE. Findings of other CWEs are ignored (a case tests one weakness).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

# Every CWE the taint engine issue names, in the order of the issue.
TAINT_CWES = (
    "CWE-89",
    "CWE-78",
    "CWE-94",
    "CWE-22",
    "CWE-502",
    "CWE-90",
    "CWE-643",
    "CWE-611",
    "CWE-79",
    "CWE-601",
    "CWE-501",
    "CWE-918",
    "CWE-1336",
    "CWE-113",
    "CWE-1333",
)
NO_TAINT_CWES = (
    "CWE-328",
    "CWE-330",
    "CWE-614",
    "CWE-1004",
    "CWE-295",
    "CWE-798",
    "CWE-327",
    "CWE-489",
    "CWE-377",
)
EXPECTED_CWES = TAINT_CWES + NO_TAINT_CWES

LABELS = ("vulnerable", "safe")
FRAMEWORKS = ("flask", "django", "fastapi", "plain")
REQUIRED_KEYS = ("label", "cwe", "framework", "kind", "description", "file")

MIN_TPR = 0.90
MAX_FPR = 0.10


def normalise_cwe(cwe: str) -> str:
    """``"CWE-089"``, ``"cwe-89"`` and ``"89"`` all become ``"CWE-89"``."""
    match = re.fullmatch(r"(?i)\s*(?:cwe-)?0*(\d+)\s*", cwe)
    if match is None:
        raise ValueError(f"not a CWE id: {cwe!r}")
    return f"CWE-{int(match.group(1))}"


@dataclass(frozen=True)
class Case:
    """One labelled case; ``file`` is relative to ``path`` (where the vulnerable sink is)."""

    path: Path
    label: str
    cwe: str
    framework: str
    kind: str
    description: str
    file: str

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def vulnerable(self) -> bool:
        return self.label == "vulnerable"

    def python_files(self) -> list[Path]:
        return sorted(self.path.rglob("*.py"))


def case_dirs(root: Path = CORPUS_DIR) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/*/case.toml"))


def read_case(directory: Path) -> Case:
    """Parse ``case.toml``; raises ``ValueError`` naming the problem."""
    with (directory / "case.toml").open("rb") as handle:
        doc = tomllib.load(handle)
    missing = [k for k in REQUIRED_KEYS if not isinstance(doc.get(k), str) or not doc[k]]
    if missing:
        raise ValueError(f"{directory}: case.toml lacks {', '.join(missing)}")
    unknown = sorted(set(doc) - set(REQUIRED_KEYS))
    if unknown:
        raise ValueError(f"{directory}: case.toml has unknown keys {', '.join(unknown)}")
    return Case(
        path=directory,
        label=doc["label"],
        cwe=doc["cwe"],
        framework=doc["framework"],
        kind=doc["kind"],
        description=doc["description"],
        file=doc["file"],
    )


def load_cases(root: Path = CORPUS_DIR) -> list[Case]:
    return [read_case(d) for d in case_dirs(root)]


def case_problems(case: Case) -> list[str]:
    """Everything structurally wrong with one case (empty when it is fine)."""
    problems: list[str] = []
    if case.label not in LABELS:
        problems.append(f"label {case.label!r} not in {LABELS}")
    if case.framework not in FRAMEWORKS:
        problems.append(f"framework {case.framework!r} not in {FRAMEWORKS}")
    if case.cwe != case.path.parent.name:
        problems.append(f"cwe {case.cwe!r} differs from its directory {case.path.parent.name!r}")
    if not (case.path / case.file).is_file():
        problems.append(f"file {case.file!r} does not exist")
    files = case.python_files()
    if not files:
        problems.append("no Python files")
    for source in files:
        if source.name.startswith("test_") or source.name.endswith("_test.py"):
            problems.append(f"{source.name}: pytest would collect it")
        text = source.read_text(encoding="utf-8")
        if "vulnhound: ignore" in text:
            problems.append(f"{source.name}: contains a suppression comment")
        try:  # compile only: the corpus is never imported or run
            compile(text, str(source), "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"{source.relative_to(case.path)}:{exc.lineno}: {exc.msg}")
    return [f"{case.id}: {p}" for p in problems]


@dataclass(frozen=True)
class Hit:
    """The part of a finding that scoring needs (picklable across processes)."""

    rule_id: str
    cwes: tuple[str, ...]
    path: str
    line: int


def scan_case_dir(directory: str) -> list[Hit]:
    """Scan one case with the default configuration; active findings only."""
    import vulnhound
    from vulnhound.config import Config

    result = vulnhound.scan([Path(directory)], Config(jobs=1))
    return [
        Hit(f.rule_id, tuple(normalise_cwe(c) for c in f.cwe), f.location.path, f.location.start_line)
        for f in result.active
    ]


def scan_cases(cases: Sequence[Case], workers: int | None = None) -> dict[str, list[Hit]]:
    """Scan every case, in parallel processes; keyed by case id."""
    dirs = [str(c.path) for c in cases]
    workers = workers or min(4, os.cpu_count() or 1)
    if workers <= 1:
        outcomes = [scan_case_dir(d) for d in dirs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(scan_case_dir, dirs, chunksize=8))
    return {case.id: hits for case, hits in zip(cases, outcomes, strict=True)}


def detected(case: Case, hits: Iterable[Hit]) -> bool:
    """Vulnerable: the CWE is reported in the case's file. Safe: the CWE is reported anywhere."""
    cwe = normalise_cwe(case.cwe)
    return any(cwe in hit.cwes and (not case.vulnerable or hit.path == case.file) for hit in hits)


@dataclass
class CweScore:
    cwe: str
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    missed: list[str] = field(default_factory=list)  # vulnerable cases not found
    false_alarms: list[str] = field(default_factory=list)  # safe cases flagged

    @property
    def tpr(self) -> float:
        total = self.tp + self.fn
        return self.tp / total if total else 0.0

    @property
    def fpr(self) -> float:
        total = self.fp + self.tn
        return self.fp / total if total else 0.0

    @property
    def passes(self) -> bool:
        return self.tp + self.fn > 0 and self.tpr >= MIN_TPR and self.fpr <= MAX_FPR


def score(cases: Sequence[Case], hits: Mapping[str, Sequence[Hit]]) -> dict[str, CweScore]:
    """Per-CWE confusion counts, every expected CWE present (even with no cases)."""
    scores = {cwe: CweScore(cwe) for cwe in EXPECTED_CWES}
    for case in cases:
        entry = scores.setdefault(case.cwe, CweScore(case.cwe))
        found = detected(case, hits.get(case.id, ()))
        if case.vulnerable:
            if found:
                entry.tp += 1
            else:
                entry.fn += 1
                entry.missed.append(case.id)
        elif found:
            entry.fp += 1
            entry.false_alarms.append(case.id)
        else:
            entry.tn += 1
    return scores


def totals(scores: Mapping[str, CweScore]) -> CweScore:
    total = CweScore("all")
    for s in scores.values():
        total.tp += s.tp
        total.fn += s.fn
        total.fp += s.fp
        total.tn += s.tn
    return total


def markdown_table(scores: Mapping[str, CweScore]) -> str:
    """A markdown table of every CWE plus the total line."""
    lines = [
        "| CWE | cases | TP | FN | FP | TN | TPR | FPR | pass |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for s in [*scores.values(), totals(scores)]:
        n = s.tp + s.fn + s.fp + s.tn
        mark = ("yes" if s.passes else "**no**") if s.cwe != "all" else ""
        lines.append(
            f"| {s.cwe} | {n} | {s.tp} | {s.fn} | {s.fp} | {s.tn} | {s.tpr:.2f} | {s.fpr:.2f} | {mark} |"
        )
    return "\n".join(lines)


def failures_text(scores: Mapping[str, CweScore]) -> str:
    out: list[str] = []
    for s in scores.values():
        out.extend(f"missed      {case}" for case in s.missed)
        out.extend(f"false alarm {case}" for case in s.false_alarms)
    return "\n".join(out)


def report_dict(scores: Mapping[str, CweScore]) -> dict[str, object]:
    """JSON-ready scores: per CWE counts, rates and case lists, and the totals."""

    def one(s: CweScore) -> dict[str, object]:
        return {**asdict(s), "tpr": round(s.tpr, 4), "fpr": round(s.fpr, 4), "passes": s.passes}

    total = totals(scores)
    return {
        "thresholds": {"min_tpr": MIN_TPR, "max_fpr": MAX_FPR},
        "per_cwe": {cwe: one(s) for cwe, s in scores.items()},
        "total": {k: v for k, v in one(total).items() if k not in {"missed", "false_alarms", "passes"}},
    }


def write_report(path: Path, scores: Mapping[str, CweScore]) -> None:
    path.write_text(json.dumps(report_dict(scores), indent=2) + "\n", encoding="utf-8")


def main() -> None:
    """``python tests/corpus_loader.py [report.json]``: score the corpus, print the table."""
    import sys

    cases = load_cases()
    scores = score(cases, scan_cases(cases))
    sys.stdout.write(markdown_table(scores) + "\n\n" + failures_text(scores) + "\n")
    if len(sys.argv) > 1:
        write_report(Path(sys.argv[1]), scores)


if __name__ == "__main__":
    main()
