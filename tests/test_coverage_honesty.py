"""What a scan covered, stated honestly and alike in every report: files in a language no code
analyzer reads (JavaScript, Go, Java...) got text checks only, so the scan is not complete and
``--strict`` fails; a file skipped by two analyzers counts once; lines of a file that was not
analysed are not counted as analysed."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli, WriteTree

JS_GO_JAVA = {
    "web/app.js": "document.body.innerHTML = location.hash;\n",
    "web/types.ts": "export const x: number = 1;\n",
    "svc/main.go": "package main\n\nfunc main() {}\n",
    "svc/Main.java": "class Main {}\n",
}
DATA = {"config.yml": "a: 1\n", "package.json": '{"name": "x"}\n', "conf.toml": "a = 1\n"}
PYTHON = {"app.py": "import os\n\nprint(os.getcwd())\n"}
BROKEN = "def f(:\n    pass\n\n\n"  # four lines; both Python analyzers skip it


def _reports(cli: RunCli, root: Path, out: Path, *extra: str) -> tuple[int, dict[str, str]]:
    proc = cli(
        "scan",
        root,
        "--json-output",
        out / "r.json",
        "--sarif-output",
        out / "r.sarif",
        "--markdown-output",
        out / "r.md",
        *extra,
    )
    assert proc.returncode in (0, 3), proc.stderr
    names = {"text": "", "json": "r.json", "sarif": "r.sarif", "markdown": "r.md"}
    texts = {k: (out / v).read_text(encoding="utf-8") for k, v in names.items() if v}
    return proc.returncode, {**texts, "text": proc.stdout}


def test_a_tree_with_text_checks_only_is_incomplete_and_fails_strict(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {**JS_GO_JAVA, **DATA})
    assert cli("scan", root).returncode == 0  # not a failure without --strict
    code, reports = _reports(cli, root, tmp_path, "--strict")
    assert code == 3
    doc = json.loads(reports["json"])
    assert doc["complete"] is False and doc["nothing_analysed"] is False
    assert doc["unsupported_languages"] == [
        {"language": "go", "files": 1},
        {"language": "java", "files": 1},
        {"language": "javascript", "files": 1},
        {"language": "typescript", "files": 1},
    ]
    run = json.loads(reports["sarif"])["runs"][0]
    assert run["properties"]["complete"] is False
    notes = [n for n in run["invocations"][0]["toolExecutionNotifications"] if n["level"] == "warning"]
    assert sorted(n["properties"]["language"] for n in notes) == ["go", "java", "javascript", "typescript"]
    text = " ".join(reports["text"].split())
    assert "; 4 files with text checks only (go, java, javascript, typescript)" in text
    assert "text checks only (secrets, AI-directed text), no vulnerability analysis: go (1 file)" in text
    assert "4 files (go, java, javascript, typescript) had text checks only" in reports["markdown"]


def test_data_files_and_python_are_complete(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {**PYTHON, **DATA})
    code, reports = _reports(cli, root, tmp_path, "--strict")
    assert code == 0
    assert json.loads(reports["json"])["complete"] is True
    assert "text checks only" not in reports["text"] + reports["markdown"]
    mixed = write_tree(tmp_path / "mixed", {**PYTHON, "web/app.js": JS_GO_JAVA["web/app.js"]})
    assert cli("scan", mixed, "--strict").returncode == 3


def test_templates_are_listed_but_do_not_make_a_web_app_incomplete(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {**PYTHON, "templates/index.html": "<p>{{ name }}</p>\n"})
    code, reports = _reports(cli, root, tmp_path, "--strict")
    doc = json.loads(reports["json"])
    assert code == 0 and doc["complete"] is True
    assert doc["unsupported_languages"] == [{"language": "html", "files": 1}]


def test_a_file_skipped_by_two_analyzers_counts_once_and_its_lines_not_at_all(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {**PYTHON, "broken.py": BROKEN})
    _code, reports = _reports(cli, root, tmp_path)
    doc = json.loads(reports["json"])
    assert sorted(s["analyzer"] for s in doc["skipped"]) == ["engine", "patterns"]
    summary = doc["summary"]
    assert (summary["files_analyzed"], summary["lines_analyzed"], summary["files_not_analyzed"]) == (1, 3, 1)
    props = json.loads(reports["sarif"])["runs"][0]["properties"]
    assert (props["filesAnalyzed"], props["linesAnalyzed"], props["filesNotAnalyzed"]) == (1, 3, 1)
    text = " ".join(reports["text"].split())
    assert "1 file (3 lines) analysed in" in text and "; 1 file NOT analysed" in text
    assert "Not analysed (1 file)" in text
    markdown = reports["markdown"]
    assert "| Files analysed | 1 |" in markdown and "| Files not analysed | 1 |" in markdown
    assert "1 file (3 lines) analysed; 1 file NOT analysed" in markdown
