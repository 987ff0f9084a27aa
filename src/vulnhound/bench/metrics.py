"""Scores from per-sample outcomes: confusion counts, rates, the OWASP benchmark score, pairs.

The benchmark score follows the OWASP Benchmark scorecards: compute TPR and FPR per category,
average each over the categories, and subtract (mean TPR - mean FPR). A category with no
vulnerable sample has no TPR and one with no safe sample has no FPR; they are left out of the
respective mean rather than counted as 0 or 1. Undefined rates are ``None`` (JSON ``null``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one analyzer did on one sample."""

    sample_id: str
    category: str
    vulnerable: bool
    flagged: bool  # a finding in the sample's file carrying one of its CWEs
    pair_id: str | None = None
    findings: int = 0  # findings in the file, any CWE
    rules: tuple[str, ...] = ()  # rule ids of the matching findings
    duration_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    bytes_sent: int = 0  # what the guard let out for this sample (models only)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.sample_id,
            "category": self.category,
            "vulnerable": self.vulnerable,
            "flagged": self.flagged,
            "pair_id": self.pair_id,
            "findings": self.findings,
            "rules": list(self.rules),
            "duration_s": self.duration_s,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd,
            "bytes_sent": self.bytes_sent,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outcome:
        return cls(
            sample_id=str(data["id"]),
            category=str(data["category"]),
            vulnerable=bool(data["vulnerable"]),
            flagged=bool(data["flagged"]),
            pair_id=data.get("pair_id"),
            findings=int(data.get("findings", 0)),
            rules=tuple(data.get("rules", ())),
            duration_s=float(data.get("duration_s", 0.0)),
            tokens_in=int(data.get("tokens_in", 0)),
            tokens_out=int(data.get("tokens_out", 0)),
            cost_usd=float(data.get("cost_usd", 0.0)),
            bytes_sent=int(data.get("bytes_sent", 0)),
        )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Counts:
        tp = fp = tn = fn = 0
        for o in outcomes:
            if o.vulnerable:
                tp, fn = (tp + 1, fn) if o.flagged else (tp, fn + 1)
            else:
                fp, tn = (fp + 1, tn) if o.flagged else (fp, tn + 1)
        return cls(tp, fp, tn, fn)

    @property
    def tpr(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def fpr(self) -> float | None:
        return _ratio(self.fp, self.fp + self.tn)

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def f1(self) -> float | None:
        # 2PR/(P+R) = 2TP / (2TP + FP + FN); defined whenever anything was labelled or flagged.
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def to_json(self) -> dict[str, Any]:
        tpr, fpr = self.tpr, self.fpr
        return {
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
            "tpr": tpr,
            "fpr": fpr,
            "precision": self.precision,
            "recall": tpr,
            "f1": self.f1,
            "score": None if tpr is None and fpr is None else (tpr or 0.0) - (fpr or 0.0),
        }


def pair_accuracy(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """A pair is right when its vulnerable sample is flagged and none of its safe ones is.

    Groups without both a vulnerable and a safe sample are not pairs and are not counted.
    """
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.pair_id:
            groups.setdefault(o.pair_id, []).append(o)
    total = right = 0
    for members in groups.values():
        vulnerable = [o for o in members if o.vulnerable]
        safe = [o for o in members if not o.vulnerable]
        if not vulnerable or not safe:
            continue
        total += 1
        right += all(o.flagged for o in vulnerable) and not any(o.flagged for o in safe)
    return {"pairs": total, "right": right, "accuracy": _ratio(right, total)}


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _usage(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Time, tokens, cost and bytes sent, in total, per sample and per true positive (what one
    real finding cost, and exposed)."""
    n = len(outcomes)
    wall = sum(o.duration_s for o in outcomes)
    tokens = sum(o.tokens_in + o.tokens_out for o in outcomes)
    cost = sum(o.cost_usd for o in outcomes)
    sent = sum(o.bytes_sent for o in outcomes)
    tp = sum(1 for o in outcomes if o.vulnerable and o.flagged)
    return {
        "bytes_sent": sent,
        "tokens_per_tp": tokens / tp if tp else None,
        "cost_usd_per_tp": cost / tp if tp else None,
        "bytes_sent_per_tp": sent / tp if tp else None,
        "samples": n,
        "wall_s": wall,
        "wall_s_per_sample": wall / n if n else None,
        "tokens_in": sum(o.tokens_in for o in outcomes),
        "tokens_out": sum(o.tokens_out for o in outcomes),
        "tokens_per_sample": tokens / n if n else None,
        "cost_usd": cost,
        "cost_usd_per_sample": cost / n if n else None,
    }


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """``{"overall": {...}, "categories": {name: {...}}}``.

    ``overall.tpr``/``fpr`` are the means over categories (OWASP) and ``overall.score`` their
    difference; ``overall.tp``... and ``precision``/``recall``/``f1``/``micro_tpr``/``micro_fpr``
    are pooled over all samples.
    """
    by_category: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_category.setdefault(o.category, []).append(o)
    categories: dict[str, dict[str, Any]] = {}
    for name in sorted(by_category):
        members = by_category[name]
        categories[name] = {
            **Counts.of(members).to_json(),
            "samples": len(members),
            "pairs": pair_accuracy(members),
        }
    pooled = Counts.of(outcomes)
    mean_tpr = _mean(c["tpr"] for c in categories.values())
    mean_fpr = _mean(c["fpr"] for c in categories.values())
    overall = {
        **pooled.to_json(),
        "tpr": mean_tpr,
        "fpr": mean_fpr,
        "recall": pooled.tpr,
        "micro_tpr": pooled.tpr,
        "micro_fpr": pooled.fpr,
        "score": None if mean_tpr is None and mean_fpr is None else (mean_tpr or 0.0) - (mean_fpr or 0.0),
        "samples": len(outcomes),
        "categories": len(categories),
        "pairs": pair_accuracy(outcomes),
    }
    return {"overall": overall, "categories": categories, "usage": _usage(outcomes)}
