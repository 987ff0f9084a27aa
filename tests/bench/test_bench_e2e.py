"""``vulnhound bench`` end to end through the real CLI: the engine, imported SARIF, a real Bandit
run, the leaderboard, resume, HTML and reproducibility."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import RunCli

from vulnhound.bench.core import run_bench
from vulnhound.bench.datasets import Dataset, load_dataset
from vulnhound.bench.metrics import Outcome
from vulnhound.bench.runners import EngineRunner, RunnerOutput, identity_key

DATA = Path(__file__).resolve().parents[1] / "data" / "bench"
OWASP = DATA / "owasp"
PAIRS = DATA / "pairs" / "pairs.jsonl"


def bench(cli: RunCli, tmp_path: Path, *args: str | Path, name: str = "r") -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    done = cli("bench", "run", *args, "-o", out, "--work-dir", tmp_path / f"work-{name}")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def check_consistent(analyzer: dict[str, Any], dataset: Dataset) -> None:
    """Counts, rates and the score agree with the per-sample outcomes and the labels."""
    truth = {s.id: s for s in dataset.samples}
    samples = analyzer["samples"]
    assert sorted(s["id"] for s in samples) == sorted(truth)
    for category, block in analyzer["categories"].items():
        members = [s for s in samples if s["category"] == category]
        assert block["tp"] == sum(s["vulnerable"] and s["flagged"] for s in members)
        assert block["fn"] == sum(s["vulnerable"] and not s["flagged"] for s in members)
        assert block["fp"] == sum(not s["vulnerable"] and s["flagged"] for s in members)
        assert block["tn"] == sum(not s["vulnerable"] and not s["flagged"] for s in members)
        positives = sum(truth[s["id"]].vulnerable for s in members)
        assert block["tp"] + block["fn"] == positives
        if positives:
            assert block["tpr"] == pytest.approx(block["tp"] / positives)
    for s in samples:
        assert truth[s["id"]].vulnerable == s["vulnerable"]
        assert bool(s["rules"]) == s["flagged"]
    tprs = [b["tpr"] for b in analyzer["categories"].values() if b["tpr"] is not None]
    fprs = [b["fpr"] for b in analyzer["categories"].values() if b["fpr"] is not None]
    overall = analyzer["overall"]
    assert overall["tpr"] == pytest.approx(sum(tprs) / len(tprs))
    assert overall["fpr"] == pytest.approx(sum(fprs) / len(fprs))
    assert overall["score"] == pytest.approx(overall["tpr"] - overall["fpr"])
    assert overall["tp"] + overall["fp"] + overall["tn"] + overall["fn"] == len(dataset.samples)


def test_engine_on_owasp_dataset(cli: RunCli, tmp_path: Path) -> None:
    result = bench(cli, tmp_path, "--dataset", OWASP, "--analyzer", "engine")
    dataset = load_dataset(OWASP)
    assert result["dataset"]["hash"] == dataset.hash and result["dataset"]["samples"] == 20
    assert set(result["dataset"]["categories"]) == {
        "sqli",
        "cmdi",
        "pathtraver",
        "weakhash",
        "deserialization",
    }
    (engine,) = result["analyzers"]
    assert engine["identity"]["ruleset_hash"] == result["ruleset_hash"]
    assert engine["identity"]["vulnhound"] == result["vulnhound_version"]
    assert result["overall"] == engine["overall"]
    for key in ("tpr", "fpr", "score"):
        assert key in result["overall"]
        assert all(key in block for block in result["categories"].values())
    check_consistent(engine, dataset)
    assert engine["usage"]["samples"] == 20 and engine["usage"]["wall_s"] > 0


def test_engine_on_jsonl_pairs(cli: RunCli, tmp_path: Path) -> None:
    result = bench(cli, tmp_path, "--dataset", PAIRS)
    dataset = load_dataset(PAIRS)
    (engine,) = result["analyzers"]
    check_consistent(engine, dataset)
    flags = {s["id"]: s["flagged"] for s in engine["samples"]}
    pair_ids = {s.pair_id for s in dataset.samples if s.pair_id}
    right = sum(flags[f"{p}-vuln"] and not flags[f"{p}-fixed"] for p in pair_ids)
    assert engine["overall"]["pairs"] == {"pairs": 4, "right": right, "accuracy": pytest.approx(right / 4)}


def scripted_sarif(tmp_path: Path) -> Path:
    """Results over the OWASP tree, paths written three different ways."""
    testcode = OWASP.resolve() / "testcode"

    def result(rule: str, uri: str, **extra: Any) -> dict[str, Any]:
        location = {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 5}}}
        return {"ruleId": rule, "message": {"text": rule}, "locations": [location], **extra}

    document = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "scripted",
                        "rules": [
                            {"id": "sqli", "properties": {"tags": ["external/cwe/cwe-089"]}},
                            {"id": "xss", "properties": {"cwe": "CWE-79"}},
                            {"id": "path", "properties": {"cwe": ["CWE-22"]}},
                        ],
                    }
                },
                "results": [
                    result("sqli", (testcode / "VhTest00001.py").as_uri()),  # sqli TP
                    result("sqli", "owasp/testcode/VhTest00003.py"),  # sqli FP (suffix match)
                    result("xss", "testcode/VhTest00005.py"),  # wrong CWE: cmdi stays FN
                    result("path", "./testcode/VhTest00009.py"),  # pathtraver TP
                    result("path", "testcode/VhTest00010.py", suppressions=[{"kind": "external"}]),
                    result("sqli", "testcode/VhTest00004.py", kind="pass"),  # not a finding
                    result("sqli", "elsewhere/unrelated.py"),  # no sample: ignored
                ],
            }
        ],
    }
    path = tmp_path / "scripted.sarif"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_scripted_sarif_import_scored_exactly(cli: RunCli, tmp_path: Path) -> None:
    result = bench(cli, tmp_path, "--dataset", OWASP, "--analyzer", f"import:{scripted_sarif(tmp_path)}")
    (imported,) = result["analyzers"]
    assert imported["identity"]["kind"] == "import" and imported["identity"]["tool"] == "scripted"
    flagged = sorted(s["id"] for s in imported["samples"] if s["flagged"])
    assert flagged == ["VhTest00001", "VhTest00003", "VhTest00009"]
    cats = imported["categories"]
    # sqli: TP 1 (00001) FN 1 (00002) FP 1 (00003) TN 1 (00004) -> TPR 1/2, FPR 1/2
    assert (cats["sqli"]["tp"], cats["sqli"]["fn"], cats["sqli"]["fp"], cats["sqli"]["tn"]) == (1, 1, 1, 1)
    # pathtraver: TP 1, FN 1, TN 2 -> TPR 1/2, FPR 0; the other three categories: TPR 0, FPR 0
    assert (cats["pathtraver"]["tpr"], cats["pathtraver"]["fpr"]) == (0.5, 0.0)
    assert all(
        cats[c]["tpr"] == 0.0 and cats[c]["fpr"] == 0.0 for c in ("cmdi", "weakhash", "deserialization")
    )
    # mean TPR = (1/2 + 1/2 + 0 + 0 + 0) / 5 = 0.2; mean FPR = (1/2 + 0 + 0 + 0 + 0) / 5 = 0.1
    assert imported["overall"]["tpr"] == pytest.approx(0.2)
    assert imported["overall"]["fpr"] == pytest.approx(0.1)
    assert imported["overall"]["score"] == pytest.approx(0.1)
    # pooled precision 2 / 3 (two TP, one FP)
    assert imported["overall"]["precision"] == pytest.approx(2 / 3)


def run_bandit(target: Path, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", str(target), "-f", "json", "-o", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: bandit found issues
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def test_real_bandit_imported_and_compared(cli: RunCli, tmp_path: Path) -> None:
    report_path = tmp_path / "bandit-report.json"
    report = run_bandit(OWASP, report_path)
    assert report["results"], "bandit found nothing; the dataset has obvious issues"
    result = bench(cli, tmp_path, "--dataset", OWASP, "--analyzer", f"import:{report_path}", name="bandit")
    (imported,) = result["analyzers"]
    assert imported["identity"]["format"] == "bandit"
    # Independent oracle: a sample is flagged when a Bandit result is in its file with its CWE.
    dataset = load_dataset(OWASP)
    expected = sorted(
        s.id
        for s in dataset.samples
        if any(
            Path(r["filename"]).resolve() == (OWASP / s.path).resolve()
            and f"CWE-{r['issue_cwe']['id']}" in s.cwe
            for r in report["results"]
        )
    )
    assert sorted(x["id"] for x in imported["samples"] if x["flagged"]) == expected
    check_consistent(imported, dataset)

    engine = bench(cli, tmp_path, "--dataset", OWASP, "--analyzer", "engine", name="engine")
    results = [tmp_path / "engine.json", tmp_path / "bandit.json"]
    done = cli("bench", "compare", *results, "--format", "json")
    assert done.returncode == 0, done.stderr
    board = json.loads(done.stdout)["leaderboard"]
    assert [e["rank"] for e in board] == [1, 2]
    scores = {e["analyzer"]: e["score"] for e in board}
    assert scores == {
        "engine": pytest.approx(engine["overall"]["score"]),
        f"import:{report_path.name}": pytest.approx(imported["overall"]["score"]),
    }
    assert board[0]["score"] >= board[1]["score"]
    markdown = cli("bench", "compare", *results, "--format", "markdown")
    assert (
        markdown.returncode == 0
        and "| 1 |" in markdown.stdout
        and "import:bandit-report.json" in markdown.stdout
    )
    table = cli("bench", "compare", *results)
    assert table.returncode == 0 and "engine" in table.stdout
    # A tool's own report is not a bench result.
    wrong = cli("bench", "compare", report_path)
    assert wrong.returncode == 2 and "not a vulnhound bench result" in wrong.stderr


class RecordingEngine(EngineRunner):
    """The real engine, remembering which files it was asked to scan."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[list[str] | None] = []

    def run(self, root: Path, paths: Any) -> RunnerOutput:
        self.asked.append(None if paths is None else list(paths))
        return super().run(root, paths)


def test_resume_skips_checkpointed_samples(tmp_path: Path) -> None:
    dataset = load_dataset(OWASP)
    runner = RecordingEngine()
    work = tmp_path / "work"
    work.mkdir()
    key = identity_key(runner)
    # An interrupted run finished the first 12 samples; their recorded outcomes are deliberately
    # the opposite of the labels so that a re-scan would show.
    finished = dataset.samples[:12]
    with (work / "checkpoint.jsonl").open("w", encoding="utf-8") as handle:
        for s in finished:
            outcome = Outcome(
                s.id, s.category, s.vulnerable, not s.vulnerable, rules=("x",) if not s.vulnerable else ()
            )
            handle.write(
                json.dumps({"dataset": dataset.hash, "analyzer": key, "outcome": outcome.to_json()}) + "\n"
            )
        handle.write('{"dataset": "torn line')  # a kill mid-write
    result = run_bench(dataset, [runner], work)
    (run,) = result.runs
    assert run.resumed == 12
    assert runner.asked == [sorted(s.path for s in dataset.samples[12:])]
    by_id = {o.sample_id: o for o in run.outcomes}
    assert all(by_id[s.id].flagged == (not s.vulnerable) for s in finished)
    # A second run finds everything done and scans nothing.
    again = RecordingEngine()
    rerun = run_bench(dataset, [again], work)
    assert again.asked == [] and rerun.runs[0].resumed == 20
    assert rerun.runs[0].outcomes == run.outcomes
    # --no-resume redoes everything in one scan of the whole tree.
    fresh = RecordingEngine()
    run_bench(dataset, [fresh], work, resume=False)
    assert fresh.asked == [None]


def test_cli_resumes_automatically(cli: RunCli, tmp_path: Path) -> None:
    first = bench(cli, tmp_path, "--dataset", PAIRS, name="same")
    second = bench(cli, tmp_path, "--dataset", PAIRS, name="same")
    assert first["analyzers"][0]["resumed"] == 0
    assert second["analyzers"][0]["resumed"] == len(load_dataset(PAIRS).samples)
    assert second["analyzers"][0]["samples"] == first["analyzers"][0]["samples"]


def without_timing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if not k.startswith(("wall_s", "duration_s"))}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def test_identical_numbers_on_rerun(cli: RunCli, tmp_path: Path) -> None:
    sarif = scripted_sarif(tmp_path)
    args = ("--dataset", OWASP, "--analyzer", "engine", "--analyzer", f"import:{sarif}", "--no-resume")
    first = bench(cli, tmp_path, *args, name="a")
    second = bench(cli, tmp_path, *args, name="b")
    assert [a["name"] for a in first["analyzers"]] == ["engine", "import:scripted.sarif"]
    assert without_timing(first) == without_timing(second)


def test_reports_markdown_and_self_contained_html(cli: RunCli, tmp_path: Path) -> None:
    sarif = scripted_sarif(tmp_path)
    html_path, md_path = tmp_path / "out" / "r.html", tmp_path / "out" / "r.md"
    done = cli(
        "bench", "run", "--dataset", OWASP, "--analyzer", "engine", "--analyzer", f"import:{sarif}",
        "--work-dir", tmp_path / "w", "--html-output", html_path, "--markdown-output", md_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "engine" in done.stdout and "sqli" in done.stdout  # the terminal table
    page = html_path.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4  # TPR/FPR scatter, TPR, FPR and score bars per category
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    # Self-contained: nothing is loaded from elsewhere.
    assert not re.search(r'(src|href)="(?!data:)', page) and "<script" not in page and "<link" not in page
    markdown = md_path.read_text(encoding="utf-8")
    assert (
        load_dataset(OWASP).hash in markdown
        and "| engine |" in markdown
        and "import:scripted.sarif" in markdown
    )


def test_sven_format_with_limit_and_materialize(cli: RunCli, tmp_path: Path) -> None:
    from tests.bench.test_datasets import write_sven

    sven = write_sven(tmp_path / "sven.jsonl")
    result = bench(cli, tmp_path, "--dataset", sven, "--limit", "2")
    assert result["dataset"]["format"] == "sven" and result["dataset"]["samples"] == 2
    assert result["overall"]["pairs"]["pairs"] == 1
    out = tmp_path / "files"
    done = cli("bench", "materialize", "--dataset", sven, "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py")) == [
        "pair-0/fixed/views.py",
        "pair-0/vulnerable/views.py",
        "pair-1/fixed/tool.py",
        "pair-1/vulnerable/tool.py",
    ]


@pytest.mark.parametrize(
    ("analyzer", "message"),
    [
        ("nonsense", "unknown analyzer"),
        ("import:", "needs a file"),
        ("engine:no-such-analyzer", "unknown analyzer"),
    ],
)
def test_bad_analyzers_are_usage_errors(cli: RunCli, tmp_path: Path, analyzer: str, message: str) -> None:
    done = cli("bench", "run", "--dataset", PAIRS, "--analyzer", analyzer, "--work-dir", tmp_path / "w")
    assert done.returncode == 2 and message in done.stderr
