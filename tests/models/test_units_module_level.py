"""Module-level code of files with functions: ``<module>`` units, for every language with a grammar."""

from __future__ import annotations

import pytest

from vulnhound.hunt.units import _GRAMMARS, CodeUnit, enclosing_unit, extract_units, grammar_available
from vulnhound.models.context import ContextBuilder
from vulnhound.sources import SourceFile


def _units(path: str, language: str, text: str, max_lines: int = 300) -> list[CodeUnit]:
    return extract_units(SourceFile(path, path, language, text), max_lines=max_lines)


def _modules(units: list[CodeUnit]) -> list[tuple[str, int, int]]:
    return [(u.name, u.start_line, u.end_line) for u in units if u.kind == "module"]


def _assert_disjoint(units: list[CodeUnit]) -> None:
    taken: dict[int, str] = {}
    for unit in units:
        for line in range(unit.start_line, unit.end_line + 1):
            assert line not in taken, f"line {line} in both {taken[line]} and {unit.name}"
            taken[line] = unit.name


FLASK = """\
\"\"\"A small app.\"\"\"
import sqlite3
from flask import Flask, request

__all__ = ["app"]
app = Flask(__name__)
app.config["SECRET_KEY"] = "dev"


@app.route("/q")
def query():
    return sqlite3.connect("x.db").execute(request.args["q"]).fetchall()


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
"""


def test_python_top_level_code_around_functions_becomes_module_units() -> None:
    units = _units("app.py", "python", FLASK)
    assert [(u.kind, u.name, u.start_line, u.end_line) for u in units] == [
        ("module", "<module>#1", 6, 7),  # from the first statement: docstring, imports, __all__ left out
        ("function", "query", 10, 12),
        ("module", "<module>#2", 15, 16),
    ]
    main = units[-1]
    assert main.lines == ('if __name__ == "__main__":', '    app.run(host="0.0.0.0", debug=True)')
    assert main.imports == units[1].imports and any("flask" in text for _n, text in main.imports)
    assert main.id == "app.py:15-16:<module>#2"


def test_a_single_run_is_named_module() -> None:
    text = "import os\n\ndef f():\n    pass\n\nos.system(input())\n"
    assert _modules(_units("a.py", "python", text)) == [("<module>", 6, 6)]


@pytest.mark.parametrize(
    "top",
    [
        "import os\nfrom a import b\n",
        '"""Docstring."""\n# a comment\n',
        '__all__ = ["f"]\n__version__ = "1.0"\n',
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x import Y\n",
    ],
)
def test_runs_of_imports_docstrings_and_dunders_make_no_unit(top: str) -> None:
    units = _units("a.py", "python", top + "\n\ndef f():\n    return 1\n")
    assert [u.kind for u in units] == ["function"]


def test_constants_are_kept_they_are_module_level_settings() -> None:
    text = "DEBUG = True\nALLOWED_HOSTS = ['*']\n\n\ndef view():\n    pass\n"
    assert _modules(_units("settings.py", "python", text)) == [("<module>", 1, 2)]


def test_function_units_inside_top_level_statements_are_not_repeated() -> None:
    text = (
        "if __name__ == '__main__':\n"
        "    def helper():\n"
        "        return 1\n"
        "    helper()\n"
        "\n"
        "def f():\n"
        "    pass\n"
    )
    units = _units("a.py", "python", text)
    _assert_disjoint(units)
    assert [(u.kind, u.name, u.start_line, u.end_line) for u in units] == [
        ("module", "<module>#1", 1, 1),
        ("function", "helper", 2, 3),
        ("module", "<module>#2", 4, 4),
        ("function", "f", 6, 7),
    ]


EXPRESS = """\
const express = require('express');
const app = express();
app.use(express.json());

app.get('/a', (req, res) => {
  res.send(req.query.q);
});

app.post('/b',
  requireLogin,
  function (req, res) {
    res.send(1);
  }
);

function requireLogin(req, res, next) { next(); }

app.listen(3000);
"""


def test_javascript_route_registrations_without_repeating_their_callbacks() -> None:
    units = _units("server.js", "javascript", EXPRESS)
    _assert_disjoint(units)
    assert [(u.kind, u.name, u.start_line, u.end_line) for u in units] == [
        ("module", "<module>#1", 2, 3),
        ("function", "<anonymous@5>", 5, 7),
        ("module", "<module>#2", 9, 10),  # the route and its middleware; the callback is its own unit
        ("function", "<anonymous@11>", 11, 13),
        ("function", "requireLogin", 16, 16),
        ("module", "<module>#3", 18, 18),
    ]
    # A leftover holding no letter or digit (the ");" after the callback) is no unit.
    assert not any(u.text.strip() == ");" for u in units)


# One sample per language: a function plus top-level code; the expected module units.
SAMPLES: dict[str, tuple[str, str, list[tuple[str, int, int]]]] = {
    "python": ("a.py", "import os\n\ndef f():\n    pass\n\nf()\n", [("<module>", 6, 6)]),
    "javascript": (
        "a.js",
        "const fs = require('fs');\nfunction f() {}\nmodule.exports = f;\n",
        [("<module>", 3, 3)],
    ),
    "typescript": (
        "a.ts",
        "import x from 'y';\ninterface I { a: string }\ntype T = number;\nexport function f() {}\nconst app = make();\n",
        [("<module>", 5, 5)],  # interfaces and type aliases alone are no unit
    ),
    "java": ("A.java", "package a;\nimport b.C;\nclass A {\n  int x = 1;\n  void m() {}\n}\n", []),
    "c": (
        "a.c",
        "#include <string.h>\ntypedef int t;\nint g(int);\nchar buf[64];\nint f(void) { return 0; }\n",
        [("<module>", 4, 4)],  # typedefs and prototypes alone are no unit
    ),
    "cpp": (
        "a.cpp",
        '#include <a>\n#ifdef X\nint f() { return 0; }\nchar *pw = "x";\n#endif\nint main() { return 0; }\n',
        [("<module>", 4, 4)],  # inside #ifdef counts as top level
    ),
    "go": (
        "a.go",
        'package main\n\nimport "database/sql"\n\ntype T struct{}\n\nvar db, _ = sql.Open("x", "y")\n\n'
        "func main() {}\n",
        [("<module>", 7, 7)],
    ),
    "php": (
        "a.php",
        "<?php\nrequire 'db.php';\nfunction f() {}\n$id = $_GET['id'];\nmysql_query(\"SELECT $id\");\n",
        [("<module>", 4, 5)],
    ),
    "ruby": (
        "a.rb",
        "require 'sinatra'\ndef helper; end\nget '/' do\n  eval(params[:x])\nend\n",
        [("<module>", 3, 5)],  # a Sinatra route: a block, not a method
    ),
}


def test_every_language_with_a_grammar_has_a_sample() -> None:
    assert set(SAMPLES) == set(_GRAMMARS)


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_module_units_per_language(language: str) -> None:
    if not grammar_available(language):
        pytest.skip(f"no tree-sitter grammar for {language}")
    path, text, expected = SAMPLES[language]
    units = _units(path, language, text)
    assert _modules(units) == expected
    _assert_disjoint(units)
    lines = text.splitlines()
    for unit in units:
        assert unit.lines == tuple(lines[unit.start_line - 1 : unit.end_line])
        assert unit.kind in {"function", "class", "module"}
        if unit.kind == "module":
            assert unit.imports == units[0].imports


def test_long_module_runs_are_split_and_numbered_in_source_order() -> None:
    text = "def f():\n    pass\n\n" + "x = 1\n" * 25 + "\ndef g():\n    pass\n\ny = 2\n"
    units = _units("a.py", "python", text, max_lines=10)
    assert _modules(units) == [
        ("<module>#1", 4, 13),
        ("<module>#2", 14, 23),
        ("<module>#3", 24, 28),
        ("<module>#4", 33, 33),
    ]
    assert all(u.end_line - u.start_line < 10 for u in units)


def test_files_without_functions_are_still_one_file_unit() -> None:
    (unit,) = _units("s.py", "python", "import os\nos.system(input())\n")
    assert (unit.kind, unit.name, unit.start_line, unit.end_line) == ("file", "<file>", 1, 2)


def test_enclosing_unit_and_model_context_see_module_code() -> None:
    units = _units("app.py", "python", FLASK)
    main, query = enclosing_unit(units, 16), enclosing_unit(units, 11)
    assert main is not None and main.name == "<module>#2"
    assert query is not None and query.name == "query"
    assert enclosing_unit(units, 2) is None  # an import: in no unit
    source = SourceFile("app.py", "app.py", "python", FLASK)
    block = ContextBuilder([source]).block_at("app.py", 16, "finding")
    assert block is not None
    assert (block.label, block.start_line, block.end_line) == ("finding: <module>#2 in app.py", 15, 16)
