"""Calibrated triage: `models calibrate` measures a model's verdicts against labels, and triage
lets a model dismiss only when its measured false-dismissal rate is bounded under the limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vulnhound.bench.datasets import Sample
from vulnhound.findings import Confidence, Finding, Location, Severity, Verdict
from vulnhound.models.calibration import DismissalGate, load, measure, wilson
from vulnhound.models.config import ModelConfig

from .servers import ScriptedServer, calibration, code_lines

PAIRS = Path(__file__).resolve().parents[1] / "data" / "bench" / "pairs" / "pairs.jsonl"


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 30, 0.0, 0.1135), (5, 10, 0.2366, 0.7634), (0, 0, 0.0, 1.0), (20, 20, 0.8389, 1.0)],
)
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def _finding(path: str, line: int, cwe: str) -> Finding:
    return Finding("r", (cwe,), Severity.HIGH, Confidence.HIGH, "m", Location(path, line, 1), ("engine",))


def test_measure_counts_dismissals_of_real_findings_against_the_labels() -> None:
    samples = [
        Sample("a", "a.py", "python", True, ("CWE-89",), "sqli", lines=(10,)),
        Sample("b", "b.py", "python", False, ("CWE-89",), "sqli"),
    ]
    model = ModelConfig("m", "openai", model="x")
    votes = [
        (_finding("a.py", 10, "CWE-89"), "m", Verdict.FALSE_POSITIVE),  # a real one dismissed
        (_finding("a.py", 11, "CWE-89"), "m", Verdict.TRUE_POSITIVE),
        (_finding("a.py", 30, "CWE-89"), "m", Verdict.FALSE_POSITIVE),  # far from the label: ignored
        (_finding("a.py", 10, "CWE-78"), "m", Verdict.FALSE_POSITIVE),  # another weakness: ignored
        (_finding("b.py", 3, "CWE-89"), "m", Verdict.FALSE_POSITIVE),  # a false alarm dismissed
        (_finding("b.py", 4, "CWE-89"), "m", Verdict.UNCERTAIN),
        (_finding("b.py", 4, "CWE-89"), "other", Verdict.TRUE_POSITIVE),  # another model's vote
    ]
    record = measure(model, "d", "h", samples, votes)
    assert (record.real, record.false_alarms, record.judged) == (2, 2, 4)
    assert (record.false_dismissals, record.correct_dismissals, record.agreement, record.uncertain) == (
        1,
        1,
        2,
        1,
    )
    gate = DismissalGate({"m": record}, 0.10)
    assert "dismissed 1 of 2 real findings" in (gate.refusal(model) or "")
    assert "not calibrated" in (gate.refusal(ModelConfig("m", "openai", model="y")) or "")  # another model


def _brain(prompt: str) -> dict[str, Any]:
    """Calls file reads, hashing and pickle false positives, the rest real: wrong on the real
    path traversal and deserialisation samples."""
    loc = prompt.split("Location: ", 1)[1].split("\n", 1)[0] if "Location: " in prompt else ""
    line = int(loc.rsplit(":", 1)[1]) if ":" in loc else 0
    text = dict(code_lines(prompt)).get(line, "")
    if "pickle" in text or "hashlib" in text or "open(" in text:
        return {"verdict": "false_positive", "rationale": "looks harmless", "confidence": 0.9}
    return {"verdict": "true_positive", "rationale": "reachable", "confidence": 0.9}


def _config(url: str, limit: str = "") -> str:
    return (
        limit + f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\n'
        'zone = "local"\ntimeout_s = 5\n'
    )


def test_calibrate_records_the_measurement_and_triage_obeys_it(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    app = "from flask import request\n\ndef load():\n    return open('/srv/' + request.args['f']).read()\n"
    with ScriptedServer("openai", _brain) as server:
        root = write_tree(tmp_path / "repo", {"app.py": app, "vulnhound.toml": _config(server.url)})
        out = root / ".vulnhound" / "calibration.json"
        calibrated = cli(
            "models", "calibrate", "m", "--dataset", PAIRS, "--config", root / "vulnhound.toml",
            "-o", out, "--no-cache", "--json", "--work-dir", tmp_path / "w",
        )  # fmt: skip
        assert calibrated.returncode == 0, calibrated.stderr
        record = json.loads(calibrated.stdout)
        # pickle-1-vuln is real and was dismissed (its raw verdict counts, critical or not)
        assert record["false_dismissals"] >= 1 and record["real"] >= 3
        assert record["false_dismissal_ci95"][1] > 0.10
        assert load(out)["m"].false_dismissals == record["false_dismissals"]
        strict = cli("scan", root, "--model", "m", "--triage", "--no-cache", "-f", "json")
        lenient_config = write_tree(
            tmp_path / "cfg", {"v.toml": _config(server.url, "triage_max_false_dismissal = 0.99\n")}
        )
        lenient = cli(
            "scan",
            root,
            "--model",
            "m",
            "--triage",
            "--no-cache",
            "-f",
            "json",
            "--config",
            lenient_config / "v.toml",
        )
    (kept,) = [f for f in json.loads(strict.stdout)["findings"] if "CWE-22" in f["cwe"]]
    assert not kept["suppressed"] and kept["triage"]["verdict"] == "uncertain"
    assert "not dismissed: model m dismissed" in kept["triage"]["rationale"] and strict.returncode == 1
    (dismissed,) = [f for f in json.loads(lenient.stdout)["findings"] if "CWE-22" in f["cwe"]]
    assert dismissed["suppressed"] and dismissed["suppression"]["kind"] == "triage"


def test_an_uncalibrated_model_does_not_dismiss(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    app = "from flask import request\n\ndef load():\n    return open('/srv/' + request.args['f']).read()\n"
    with ScriptedServer("openai", _brain) as server:
        root = write_tree(tmp_path / "repo", {"app.py": app, "vulnhound.toml": _config(server.url)})
        before = cli("scan", root, "--model", "m", "--triage", "--no-cache", "-f", "json")
        (root / ".vulnhound").mkdir(exist_ok=True)
        (root / ".vulnhound" / "calibration.json").write_text(calibration("m"), encoding="utf-8")
        after = cli("scan", root, "--model", "m", "--triage", "--no-cache", "-f", "json")
    (kept,) = [f for f in json.loads(before.stdout)["findings"] if "CWE-22" in f["cwe"]]
    assert not kept["suppressed"] and "is not calibrated" in kept["triage"]["rationale"]
    (gone,) = [f for f in json.loads(after.stdout)["findings"] if "CWE-22" in f["cwe"]]
    assert gone["suppressed"]
