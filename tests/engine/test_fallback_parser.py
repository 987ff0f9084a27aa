"""Files only newer Pythons parse are still analysed (tree-sitter fallback)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.engine.helpers import scan_files

from vulnhound.pyparse import PythonSyntaxError, parse_python

NEWER = """import os
from flask import Flask, request

app = Flask(__name__)
type Names = list[str]


def first[T](items: list[T]) -> T:
    return items[0]


class Box[T]:
    def __init__(self, value: T) -> None:
        self.value = value


@app.route("/run")
def run():
    d = {"k": request.args["cmd"]}
    label = f"{'\\n'.join(['a', 'b'])}"
    os.system(f"echo {d["k"]}")
    return label
"""


def test_newer_syntax_parses_with_exact_lines() -> None:
    tree = parse_python(NEWER, "new.py")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "os.system"]
    assert [c.lineno for c in calls] == [21]
    assert any(isinstance(n, ast.FunctionDef) and n.name == "first" for n in tree.body)


def test_taint_finding_inside_newer_syntax_file(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"new.py": NEWER})
    hits = [f for f in result.findings if f.rule_id == "py/command-injection"]
    assert [f.location.start_line for f in hits] == [21]
    assert not result.skipped


def test_invalid_file_is_still_a_syntax_error() -> None:
    try:
        parse_python("def broken(:\n    pass\n", "bad.py")
    except PythonSyntaxError:
        return
    raise AssertionError("expected PythonSyntaxError")
