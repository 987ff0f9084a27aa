"""Dataset loaders for every format, detection, materialising and the content hash."""

from __future__ import annotations

import ast
import csv
import json
import shutil
from pathlib import Path

import pytest

from vulnhound.bench.datasets import detect_format, load_dataset, materialise
from vulnhound.errors import UsageError

DATA = Path(__file__).resolve().parents[1] / "data" / "bench"
OWASP = DATA / "owasp"
PAIRS = DATA / "pairs" / "pairs.jsonl"
SVEN_SHARED = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "sven-safecoder-python-pairs.jsonl"
)


def expected_rows() -> list[list[str]]:
    with (OWASP / "expectedresults-0.1.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if row and not row[0].startswith("#")]


def test_owasp_loader_reads_every_row() -> None:
    dataset = load_dataset(OWASP)
    rows = expected_rows()
    assert dataset.format == "owasp" and dataset.tree == OWASP.resolve()
    assert len(dataset.samples) == len(rows) == 20
    by_id = {s.id: s for s in dataset.samples}
    for name, category, real, cwe in rows:
        sample = by_id[name]
        assert sample.path == f"testcode/{name}.py"
        assert (sample.category, sample.vulnerable, sample.cwe) == (category, real == "true", (f"CWE-{cwe}",))
        assert sample.language == "python"


def test_owasp_loader_names_a_missing_test_file(tmp_path: Path) -> None:
    (tmp_path / "expectedresults.csv").write_text("# header\nNoSuchTest,sqli,true,89\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no file named NoSuchTest"):
        load_dataset(tmp_path)
    (tmp_path / "expectedresults.csv").write_text("T1,sqli,maybe,89\n", encoding="utf-8")
    (tmp_path / "T1.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="true or false"):
        load_dataset(tmp_path)


def test_jsonl_loader_code_and_path_samples() -> None:
    dataset = load_dataset(PAIRS)
    lines = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    assert dataset.format == "jsonl" and dataset.tree is None
    assert len(dataset.samples) == len(lines)
    by_id = {s.id: s for s in dataset.samples}
    for line in lines:
        sample = by_id[line["id"]]
        assert sample.vulnerable == (line["label"] == "vulnerable")
        assert sample.pair_id == line.get("pair_id")
        assert sample.cwe == tuple(f"CWE-{int(c.split('-')[1])}" for c in line["cwe"])
    assert by_id["cmd-1-vuln"].path == "src/export_vulnerable.py" and by_id["cmd-1-vuln"].code is None
    assert by_id["sql-1-vuln"].path == "sql-1-vuln.py" and by_id["sql-1-vuln"].lines == (7,)
    # An indented method gets a class so that the file parses.
    ast.parse(by_id["path-1-vuln"].code or "")
    assert dataset.pairs == 4


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"id": "a", "label": "bad", "code": "x"}, "label"),
        ({"id": "a", "label": "safe"}, "exactly one of 'code' and 'path'"),
        ({"id": "a", "label": "safe", "code": "x", "cwe": ["SQLi"]}, "not a CWE id"),
        ({"label": "safe", "code": "x"}, "missing 'id'"),
    ],
)
def test_jsonl_loader_errors(tmp_path: Path, line: dict[str, object], message: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_dataset(path, "jsonl")


def write_sven(path: Path) -> Path:
    rows = [
        {
            "id": "pair-0",
            "source": "test",
            "split": "train",
            "cwe": "CWE-089",
            "commit": "example",
            "file": "app/views.py",
            "function": "show",
            "vulnerable_code": "    def show(self, q):\n        return self.db.execute('SELECT ' + q)\n",
            "fixed_code": "    def show(self, q):\n        return self.db.execute('SELECT ?', (q,))\n",
            "vulnerable_lines": [2],
            "fixed_lines": [2],
        },
        {
            "id": "pair-1",
            "source": "test",
            "split": "val",
            "cwe": "CWE-078",
            "commit": "example",
            "file": "tool",
            "function": "run",
            "vulnerable_code": "import os\ndef run(x):\n    os.system(x)\n",
            "fixed_code": "import subprocess\ndef run(x):\n    subprocess.run([x])\n",
            "vulnerable_lines": [3],
            "fixed_lines": [3],
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_sven_loader_makes_two_samples_per_pair(tmp_path: Path) -> None:
    dataset = load_dataset(write_sven(tmp_path / "sven.jsonl"))
    assert dataset.format == "sven"
    assert [s.id for s in dataset.samples] == [
        "pair-0/fixed",
        "pair-0/vulnerable",
        "pair-1/fixed",
        "pair-1/vulnerable",
    ]
    fixed, vulnerable = dataset.samples[0], dataset.samples[1]
    assert (vulnerable.vulnerable, fixed.vulnerable) == (True, False)
    assert vulnerable.pair_id == fixed.pair_id == "pair-0"
    assert vulnerable.cwe == ("CWE-89",) and vulnerable.category == "CWE-89"
    assert vulnerable.path == "pair-0/vulnerable/views.py" and vulnerable.lines == (2,)
    assert dataset.samples[3].path == "pair-1/vulnerable/tool.py"
    for sample in dataset.samples:
        ast.parse(sample.code or "")
    root = materialise(dataset, tmp_path / "work")
    assert (root / vulnerable.path).read_text(encoding="utf-8") == vulnerable.code


@pytest.mark.skipif(not SVEN_SHARED.is_file(), reason="the shared development dataset is not here")
def test_sven_shared_dataset_loads() -> None:
    dataset = load_dataset(SVEN_SHARED)
    pairs = sum(1 for line in SVEN_SHARED.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(dataset.samples) == 2 * pairs and dataset.pairs == pairs


def test_truth_sarif_loader(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for name in ("run.py", "query.py", "clean.py"):
        (tmp_path / "src" / name).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not source\n", encoding="utf-8")
    truth = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "truth", "rules": [{"id": "cmdi", "properties": {"cwe": "CWE-78"}}]}
                },
                "results": [
                    {"ruleId": "cmdi", "message": {"text": "t"}, "locations": [_loc("src/run.py", 3)]},
                    {"ruleId": "cmdi", "message": {"text": "again"}, "locations": [_loc("src/run.py", 9)]},
                    {
                        "ruleId": "sqli",
                        "kind": "pass",
                        "properties": {"cwe": "CWE-89"},
                        "message": {"text": "safe"},
                        "locations": [_loc("src/query.py", 1)],
                    },
                ],
            }
        ],
    }
    (tmp_path / "truth.sarif").write_text(json.dumps(truth), encoding="utf-8")
    assert detect_format(tmp_path / "truth.sarif") == "sarif"
    dataset = load_dataset(tmp_path / "truth.sarif")
    summary = {(s.id, s.vulnerable, s.cwe, s.category) for s in dataset.samples}
    assert summary == {
        ("src/run.py#CWE-78", True, ("CWE-78",), "CWE-78"),
        ("src/query.py#CWE-89", False, ("CWE-89",), "CWE-89"),
        ("src/clean.py", False, (), "none"),
    }
    assert dataset.tree == tmp_path.resolve()


def _loc(uri: str, line: int) -> dict[str, object]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}


def test_detect_format_and_errors(tmp_path: Path) -> None:
    assert detect_format(OWASP) == "owasp"
    assert detect_format(PAIRS) == "jsonl"
    assert detect_format(write_sven(tmp_path / "s.jsonl")) == "sven"
    with pytest.raises(UsageError, match="expectedresults"):
        detect_format(tmp_path)
    with pytest.raises(UsageError, match="no such dataset"):
        detect_format(tmp_path / "missing.jsonl")


def test_hash_depends_on_content_not_location(tmp_path: Path) -> None:
    copy = tmp_path / "owasp"
    shutil.copytree(OWASP, copy)
    original = load_dataset(OWASP).hash
    assert load_dataset(copy).hash == original
    target = copy / "testcode" / "VhTest00003.py"
    target.write_text(target.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert load_dataset(copy).hash != original
    # A label change alters the hash too.
    csv_path = copy / "expectedresults-0.1.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8").replace("VhTest00001,sqli,true", "VhTest00001,sqli,false")
    )
    assert load_dataset(copy).hash not in {original, load_dataset(OWASP).hash}
