"""benchmarks/pysec_eval.py on a tiny synthetic PySec-Dev dataset written here.

The end-to-end test needs the dataset's scorer (``pysec_dev.py``, stdlib only) from the shared
datasets folder and is skipped without it; the other tests need nothing outside the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCORER = REPO.parent / "shared" / "datasets" / "pysec-dev" / "pysec_dev.py"

VULNERABLE = """\
import os
import sys


def run_command():
    os.system("ls " + sys.argv[1])
"""
FIXED = """\
import subprocess
import sys


def run_command():
    subprocess.run(["ls", "--", sys.argv[1]], check=False)
"""


@pytest.fixture
def pysec_eval(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    sys.modules.pop("pysec_eval", None)
    import pysec_eval as module

    return module


def label(path: str, start: int, end: int) -> dict[str, Any]:
    return {"path": path, "name": "run_command", "start": start, "end": end}


def write_dataset(root: Path) -> tuple[Path, Path]:
    """Three advisories: a command injection pair, one with nothing to analyse, one not materialized."""
    dataset, data = root / "dataset", root / "DATA"
    dataset.mkdir()
    shutil.copy(SCORER, dataset / "pysec_dev.py")
    records = [
        {
            "id": "PYSEC-0000-1",
            "cwe": ["CWE-78"],
            "vulnerable": {"functions": [label("pkg-1.0/pkg/cli.py", 5, 6)]},
            "fixed": {"functions": [label("pkg-1.1/pkg/cli.py", 5, 6)]},
        },
        {
            "id": "PYSEC-0000-2",
            "cwe": ["CWE-79"],
            "vulnerable": {"functions": [label("web-1.0/web/page.py", 1, 2)]},
            "fixed": {"functions": []},
        },
        {
            "id": "PYSEC-0000-3",
            "cwe": ["CWE-22"],
            "vulnerable": {"functions": [label("fs-1.0/fs/x.py", 1, 2)]},
            "fixed": {"functions": []},
        },
    ]
    (dataset / "pysec-dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for side, top, code in (("vulnerable", "pkg-1.0", VULNERABLE), ("fixed", "pkg-1.1", FIXED)):
        tree = data / "PYSEC-0000-1" / side / top / "pkg"
        tree.mkdir(parents=True)
        (tree / "cli.py").write_text(code, encoding="utf-8")
    for side in ("vulnerable", "fixed"):  # no file any analyzer reads: vulnhound exits 3
        tree = data / "PYSEC-0000-2" / side
        tree.mkdir(parents=True)
        (tree / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return dataset, data


@pytest.mark.skipif(not SCORER.is_file(), reason="the pysec-dev scorer is not in ../shared/datasets")
def test_end_to_end_with_bandit_and_history(pysec_eval: ModuleType, tmp_path: Path) -> None:
    dataset, data = write_dataset(tmp_path)
    doc = tmp_path / "quality.md"
    doc.write_text(
        "# Quality\n\n<!-- pysec-dev:start -->\n<!-- pysec-dev:end -->\n\n## After\n", encoding="utf-8"
    )
    results = tmp_path / "R"
    common = ["--data", str(data), "--dataset", str(dataset), "--results", str(results), "--doc", str(doc)]
    assert pysec_eval.main([*common, "--bandit", "--write-docs", "--label", "first"]) == 0

    summary = json.loads((results / "pysec-eval.json").read_text(encoding="utf-8"))
    trees = {(t["advisory"], t["side"]): t for t in summary["tools"]["vulnhound"]["trees"]}
    assert trees["PYSEC-0000-1", "vulnerable"]["status"] == "ok"
    assert trees["PYSEC-0000-2", "vulnerable"]["status"] == "nothing-analysed"
    assert trees["PYSEC-0000-2", "vulnerable"]["exit_code"] == 3
    assert trees["PYSEC-0000-3", "vulnerable"]["status"] == "missing-tree"
    assert all(t["cpu_s"] > 0 for k, t in trees.items() if k[0] != "PYSEC-0000-3")

    vh = json.loads((results / "scores-vulnhound.json").read_text(encoding="utf-8"))
    bd = json.loads((results / "scores-bandit.json").read_text(encoding="utf-8"))
    # Every advisory is scored, the failed and empty ones as finding nothing.
    assert vh["overall"]["advisories_scored"] == bd["overall"]["advisories_scored"] == 3
    by_id = {a["id"]: a for a in vh["advisories"]}
    assert by_id["PYSEC-0000-1"]["pair_correct"], "os.system(sys.argv) is command injection"
    assert by_id["PYSEC-0000-3"]["hit_any"] == 0

    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Quality\n") and text.endswith("## After\n")
    assert "## 3. Real advisories (pysec-dev)" in text and "### Latest run: first" in text
    assert "| command injection | 1 | 1 |" in text
    assert "| first | vulnhound " in text and "| first | bandit " in text

    # A second label keeps the first rows; the same label and flags again replaces its own.
    assert pysec_eval.main([*common, "--write-docs", "--label", "second", "--ids", "PYSEC-0000-1"]) == 0
    assert pysec_eval.main([*common, "--write-docs", "--label", "second", "--ids", "PYSEC-0000-1"]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.count("| first | vulnhound ") == text.count("| first | bandit ") == 1
    assert text.count("| second | vulnhound ") == 1 and "### Latest run: second" in text
    # Results of the first run's other advisories were cleared, not scored again.
    vh = json.loads((results / "scores-vulnhound.json").read_text(encoding="utf-8"))
    assert vh["overall"]["advisories_scored"] == 1


def test_timeout_kills_the_scan_and_is_recorded(pysec_eval: ModuleType, tmp_path: Path) -> None:
    log = tmp_path / "log"
    started = time.perf_counter()
    code, wall, _cpu, _peak, timed_out = pysec_eval.measured(
        [sys.executable, "-c", "import time; time.sleep(30)"], log, 0.5, tmp_path, {}
    )
    assert timed_out and code is not None and code < 0
    assert 0.4 < wall < 10 and time.perf_counter() - started < 10


def test_history_merge_keeps_other_labels(pysec_eval: ModuleType) -> None:
    header, rule = pysec_eval.HISTORY_HEADER, pysec_eval.HISTORY_RULE

    def row(label: str, scanner: str, flags: str, value: str) -> str:
        return f"| {label} | {scanner} | 2026-01-01 | {flags} | {value} | x | x | x | x | x | x |"

    old = "\n".join(
        [
            "text",
            header,
            rule,
            row("a", "vulnhound 0.1", "defaults", "1"),
            row("a", "bandit 1.9", "defaults", "2"),
            row("b", "vulnhound 0.1", "`--taint-parameters`", "3"),
            "",
            "after",
        ]
    )
    new = [row("b", "vulnhound 0.2", "`--taint-parameters`", "4"), row("b", "vulnhound 0.2", "defaults", "5")]
    merged = pysec_eval.merge_history(old, new)
    assert [pysec_eval.split_cells(r)[4] for r in merged] == ["1", "2", "4", "5"]


def test_flag_values_starting_with_dashes(pysec_eval: ModuleType) -> None:
    argv = ["--data", "D", "--vulnhound-args", "--taint-parameters --analyzer engine", "--bandit"]
    assert pysec_eval.glue_flag_values(argv, "--vulnhound-args") == [
        "--data",
        "D",
        "--vulnhound-args=--taint-parameters --analyzer engine",
        "--bandit",
    ]


def test_families_cover_the_readme_groups(pysec_eval: ModuleType) -> None:
    assert pysec_eval.family_of(["CWE-79"]) == pysec_eval.family_of(["CWE-116"]) == "XSS / output escaping"
    assert pysec_eval.family_of(["CWE-208"]) == "crypto / signatures / randomness / TLS"
    assert pysec_eval.family_of(["CWE-522"]) == "credentials"
    assert pysec_eval.family_of(["CWE-1236"]) == "other injection (74/89/93/1236)"
    assert pysec_eval.family_of(["CWE-9999"]) == "other (CWE-9999)"


def test_scan_flags_exist_in_the_cli(pysec_eval: ModuleType) -> None:
    """The fixed scan flags are real options of `vulnhound scan` (a renamed flag would fail every tree)."""
    done = subprocess.run(
        [sys.executable, "-m", "vulnhound", "scan", "--help"], capture_output=True, text=True, check=True
    )
    for flag in (f for f in pysec_eval.VULNHOUND_FLAGS if f.startswith("--")):
        assert flag in done.stdout, flag
