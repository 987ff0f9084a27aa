"""Metrics against small examples computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from vulnhound.bench.metrics import Counts, Outcome, pair_accuracy, score


def o(sample: str, category: str, vulnerable: bool, flagged: bool, pair: str | None = None) -> Outcome:
    return Outcome(sample, category, vulnerable, flagged, pair)


EXAMPLE = [
    # A: vulnerable a1 a2 flagged, a3 missed; safe a4 flagged, a5 clean -> TP2 FN1 FP1 TN1
    o("a1", "A", True, True),
    o("a2", "A", True, True),
    o("a3", "A", True, False),
    o("a4", "A", False, True),
    o("a5", "A", False, False),
    # B: vulnerable b1 flagged; safe b2 b3 b4 clean -> TP1 FN0 FP0 TN3
    o("b1", "B", True, True),
    o("b2", "B", False, False),
    o("b3", "B", False, False),
    o("b4", "B", False, False),
]


def test_counts_and_rates_per_category() -> None:
    scores = score(EXAMPLE)
    a, b = scores["categories"]["A"], scores["categories"]["B"]
    assert (a["tp"], a["fp"], a["tn"], a["fn"]) == (2, 1, 1, 1)
    assert a["tpr"] == pytest.approx(2 / 3)  # 2 / (2 + 1)
    assert a["fpr"] == pytest.approx(1 / 2)  # 1 / (1 + 1)
    assert a["precision"] == pytest.approx(2 / 3)  # 2 / (2 + 1)
    assert a["f1"] == pytest.approx(2 / 3)  # 2*2 / (2*2 + 1 + 1)
    assert a["score"] == pytest.approx(2 / 3 - 1 / 2)
    assert (b["tp"], b["fp"], b["tn"], b["fn"]) == (1, 0, 3, 0)
    assert (b["tpr"], b["fpr"], b["precision"], b["f1"]) == (1.0, 0.0, 1.0, 1.0)


def test_overall_is_the_owasp_mean_and_pooled_counts() -> None:
    overall = score(EXAMPLE)["overall"]
    assert overall["tpr"] == pytest.approx(5 / 6)  # (2/3 + 1) / 2
    assert overall["fpr"] == pytest.approx(1 / 4)  # (1/2 + 0) / 2
    assert overall["score"] == pytest.approx(7 / 12)  # 5/6 - 1/4
    assert (overall["tp"], overall["fp"], overall["tn"], overall["fn"]) == (3, 1, 4, 1)
    assert overall["precision"] == pytest.approx(3 / 4)  # 3 / (3 + 1)
    assert overall["recall"] == pytest.approx(3 / 4)  # pooled: 3 / (3 + 1)
    assert overall["micro_fpr"] == pytest.approx(1 / 5)  # 1 / (1 + 4)
    assert overall["f1"] == pytest.approx(3 / 4)  # 6 / (6 + 1 + 1)
    assert overall["samples"] == 9 and overall["categories"] == 2


def test_category_without_positives_has_no_tpr_and_is_left_out_of_the_tpr_mean() -> None:
    # C has only safe samples, one flagged: TPR undefined, FPR 1/2.
    outcomes = [*EXAMPLE, o("c1", "C", False, True), o("c2", "C", False, False)]
    scores = score(outcomes)
    assert scores["categories"]["C"]["tpr"] is None
    assert scores["categories"]["C"]["fpr"] == pytest.approx(1 / 2)
    assert scores["overall"]["tpr"] == pytest.approx(5 / 6)  # still (2/3 + 1) / 2
    assert scores["overall"]["fpr"] == pytest.approx(1 / 3)  # (1/2 + 0 + 1/2) / 3
    assert scores["overall"]["score"] == pytest.approx(5 / 6 - 1 / 3)


def test_empty_counts_give_undefined_rates() -> None:
    counts = Counts()
    assert (counts.tpr, counts.fpr, counts.precision, counts.f1) == (None, None, None, None)


def test_pairs_right_only_when_vulnerable_flagged_and_fixed_clean() -> None:
    outcomes = [
        o("p1v", "X", True, True, "p1"),  # right: flagged / clean
        o("p1f", "X", False, False, "p1"),
        o("p2v", "X", True, True, "p2"),  # wrong: the fix is flagged too
        o("p2f", "X", False, True, "p2"),
        o("p3v", "X", True, False, "p3"),  # wrong: the vulnerable one is missed
        o("p3f", "X", False, False, "p3"),
        o("p4v", "X", True, True, "p4"),  # no safe member: not a pair
    ]
    assert pair_accuracy(outcomes) == {"pairs": 3, "right": 1, "accuracy": pytest.approx(1 / 3)}
    assert score(outcomes)["categories"]["X"]["pairs"]["right"] == 1


def test_usage_per_sample() -> None:
    outcomes = [
        Outcome("s1", "A", True, True, duration_s=1.0, tokens_in=100, tokens_out=20, cost_usd=0.01),
        Outcome("s2", "A", False, False, duration_s=3.0, tokens_in=50, tokens_out=30, cost_usd=0.03),
    ]
    usage = score(outcomes)["usage"]
    assert usage["wall_s_per_sample"] == pytest.approx(2.0)  # (1 + 3) / 2
    assert usage["tokens_per_sample"] == pytest.approx(100.0)  # (120 + 80) / 2
    assert usage["cost_usd_per_sample"] == pytest.approx(0.02)  # (0.01 + 0.03) / 2


def test_outcome_json_round_trip() -> None:
    outcome = Outcome("s", "c", True, False, "p", 3, ("r1",), 0.5, 1, 2, 0.25)
    assert Outcome.from_json(outcome.to_json()) == outcome
