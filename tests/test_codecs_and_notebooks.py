"""Hostile coding declarations and Jupyter notebooks: skips with a reason, or a readable code view."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import vulnhound
from conftest import RunCli, WriteTree
from vulnhound import Config, SkipReason
from vulnhound.notebooks import NotebookError, notebook_view
from vulnhound.reader import read_source
from vulnhound.sources import Skipped, SourceFile
from vulnhound.walker import Candidate

# Codecs Python refuses for source (not text encodings), or that fail on any source.
HOSTILE_CODECS = ("rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri", "punycode", "undefined")
GOOD = "import hashlib\n\n\ndef f(x):\n    return hashlib.md5(x)\n"

# Split so that this file itself holds no whole token.
GITHUB = "ghp_" + "R8kQ2vX7mZ4pL9sT3wY6nB1cD5fG0hJ2aK7e"
AWS = "AKIA" + "Q7ZK2M4XR9T3WP6B"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def _read(path: Path, language: str = "python", max_size: int = 1 << 20) -> SourceFile | Skipped:
    return read_source(Candidate(path.name, path, language), max_size)


@pytest.mark.parametrize("codec", HOSTILE_CODECS)
def test_non_text_or_failing_codec_is_a_decode_error_naming_the_codec(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(f"# -*- coding: {codec} -*-\nx = 'abc'\n".encode())
    outcome = _read(path)
    assert isinstance(outcome, Skipped), outcome
    assert outcome.reason is SkipReason.DECODE_ERROR
    assert codec in outcome.detail and "\n" not in outcome.detail


@pytest.mark.parametrize(
    ("cookie", "words"),
    [
        ("unicode_escape", ("unicode_escape", "surrogate")),  # decodes to a lone surrogate
        ("no-such-codec", ("no-such-codec",)),
        ("utf-16", ("utf-16",)),
    ],
)
def test_other_undecodable_declarations(tmp_path: Path, cookie: str, words: tuple[str, ...]) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(f"# coding: {cookie}\nx = '\\ud800'\n".encode())
    outcome = _read(path)
    assert isinstance(outcome, Skipped) and outcome.reason is SkipReason.DECODE_ERROR, outcome
    for word in words:
        assert word in outcome.detail.lower(), outcome.detail


def test_text_codecs_still_decode(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    outcome = _read(path)
    assert isinstance(outcome, SourceFile) and "café" in outcome.text


def test_cli_scan_survives_every_hostile_codec(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    files: dict[str, str | bytes] = {
        f"enc_{codec}.py": f"# -*- coding: {codec} -*-\nk = 1\n".encode() for codec in HOSTILE_CODECS
    }
    files["good.py"] = GOOD
    root = write_tree(tmp_path / "p", files)
    report = tmp_path / "report.json"
    proc = cli("scan", root, "-f", "json", "-o", report)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr  # the md5 finding is medium: below --fail-on high
    doc = json.loads(report.read_text())
    skipped = {s["path"]: s for s in doc["skipped"]}
    assert set(skipped) == {f"enc_{codec}.py" for codec in HOSTILE_CODECS}
    for codec in HOSTILE_CODECS:
        assert skipped[f"enc_{codec}.py"]["reason"] == "decode-error"
        assert codec in skipped[f"enc_{codec}.py"]["detail"]
    assert {(f["location"]["path"], f["rule_id"]) for f in doc["findings"]} == {("good.py", "py/weak-hash")}
    assert doc["summary"]["files_analyzed"] == 1


# Notebooks ----------------------------------------------------------------------------------


def _code(source: str | list[str], outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "metadata": {},
        "execution_count": None,
        "source": source,
        "outputs": outputs or [],
    }


def _markdown(source: str | list[str]) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _notebook(*cells: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells), **extra}


def _view(document: Any) -> str:
    return notebook_view(json.dumps(document).encode())


def _line_of(view: str, needle: str) -> int:
    return next(i for i, line in enumerate(view.splitlines(), start=1) if needle in line)


def test_view_format() -> None:
    notebook = _notebook(
        _markdown(["# Title\n", "\n", "Some *text*"]),
        _code(
            ["%matplotlib inline\n", "!pip install requests\n", "x = 1\n", "x"],
            [
                {"output_type": "stream", "name": "stdout", "text": ["hello\n", "world\n"]},
                {"output_type": "execute_result", "data": {"text/plain": ["1"], "image/png": "iVBOR"}},
                {
                    "output_type": "error",
                    "ename": "ValueError",
                    "evalue": "bad",
                    "traceback": ["\x1b[0;31mValueError\x1b[0m: bad"],
                },
            ],
        ),
        {"cell_type": "raw", "metadata": {}, "source": "raw text"},
    )
    assert _view(notebook) == (
        "# %% [cell 1] markdown\n"
        "# # Title\n"
        "#\n"
        "# Some *text*\n"
        "# %% [cell 2] code\n"
        "# [ipython] %matplotlib inline\n"
        "# [ipython] !pip install requests\n"
        "x = 1\n"
        "x\n"
        "# [output] hello\n"
        "# [output] world\n"
        "# [output] 1\n"
        "# [output] ValueError: bad\n"
        "# [output] ValueError: bad\n"
        "# %% [cell 3] raw\n"
        "# raw text\n"
    )


def test_magics_are_commented_out_and_the_rest_parses() -> None:
    source = (
        "%load_ext autoreload\n"
        "files = !ls -la\n"
        "import os\n"
        "total = (1 +\n"
        "    2)\n"  # a continuation line is no magic, even one starting with an operator
        "ratio = (10\n"
        "         % 3)\n"
        'doc = """\n'
        "!not a shell escape inside a string\n"
        '"""\n'
        "for f in files:\n"
        "    !echo $f\n"
        "os.path.join?\n"
        "%time y = 1\n"
    )
    view = _view(
        _notebook(
            _code(source),
            _code("%%bash\necho hi\nfor i in 1 2; do echo $i; done\n"),
            _code("%%time\nz = 2\n"),
            _code("  %%html\n<b>x</b>\n"),
        )
    )
    tree = ast.parse(view)  # parses: nothing IPython-only is left as code
    assert tree.body
    lines = view.splitlines()
    assert "ratio = (10" in lines and "         % 3)" in lines
    assert "!not a shell escape inside a string" in lines
    assert "    pass  # [ipython] !echo $f" in lines
    for magic in (
        "%load_ext autoreload",
        "files = !ls -la",
        "os.path.join?",
        "%time y = 1",
        "%%bash",
        "echo hi",
    ):
        assert f"# [ipython] {magic}" in lines, magic
    assert "z = 2" in lines  # %%time runs Python: its body stays code
    assert "# [ipython] <b>x</b>" in lines


def test_non_python_kernel_has_its_code_commented_out() -> None:
    notebook = _notebook(
        _code("library(dplyr)\nx <- 1\n"), metadata={"kernelspec": {"language": "R", "name": "ir"}}
    )
    view = _view(notebook)
    assert "# library(dplyr)" in view and "\nx <- 1" not in view
    ast.parse(view)


def test_nbformat_3_notebook() -> None:
    notebook = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"language": "python"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "source": ["Title"]},
                    {
                        "cell_type": "code",
                        "language": "python",
                        "input": ["print(1)\n"],
                        "outputs": [
                            {"output_type": "stream", "stream": "stdout", "text": ["1\n"]},
                            {"output_type": "pyout", "text": ["'out'"], "prompt_number": 1},
                        ],
                    },
                ]
            }
        ],
    }
    assert _view(notebook) == (
        "# %% [cell 1] heading\n# Title\n# %% [cell 2] code\nprint(1)\n# [output] 1\n# [output] 'out'\n"
    )


def test_secrets_in_code_markdown_and_output_are_found_at_view_lines(tmp_path: Path) -> None:
    notebook = _notebook(
        _markdown(["# Setup\n", f"Our token is {GITHUB}\n"]),
        _code(
            ["%matplotlib inline\n", f'aws_key_id = "{AWS}"\n', "print(creds)\n"],
            [{"output_type": "stream", "name": "stdout", "text": [f"stripe={STRIPE}\n"]}],
        ),
    )
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook, indent=1))
    view = _view(notebook)
    result = vulnhound.scan([tmp_path], Config())
    found = {(f.location.path, f.location.start_line) for f in result.findings if "secrets" in f.analyzers}
    expected = {("nb.ipynb", _line_of(view, token)) for token in (GITHUB, AWS, STRIPE)}
    assert found == expected
    assert result.skipped == ()
    assert result.files_analyzed == 1


def test_sql_injection_in_a_flask_cell_is_found_by_the_engine(tmp_path: Path) -> None:
    route = [
        "import sqlite3\n",
        "from flask import Flask, jsonify, request\n",
        "app = Flask(__name__)\n",
        "\n",
        "@app.route('/products')\n",
        "def products():\n",
        "    category = request.args.get('category', 'all')\n",
        "    cur = sqlite3.connect('shop.db').cursor()\n",
        "    cur.execute(f\"SELECT * FROM products WHERE category = '{category}'\")\n",
        "    return jsonify(cur.fetchall())\n",
    ]
    notebook = _notebook(
        _markdown("# A shop"), _code(["%load_ext dotenv\n", "!pip install flask\n"]), _code(route)
    )
    (tmp_path / "shop.ipynb").write_text(json.dumps(notebook))
    result = vulnhound.scan([tmp_path], Config())
    sql = [f for f in result.findings if f.rule_id == "py/sql-injection"]
    assert len(sql) == 1 and "engine" in sql[0].analyzers
    assert sql[0].location.start_line == _line_of(_view(notebook), "cur.execute(")
    assert result.skipped == ()


def _nested(depth: int) -> bytes:
    return b'{"nbformat": 4, "cells": ' + b"[" * depth + b"]" * depth + b"}"


HOSTILE_NOTEBOOKS: dict[str, tuple[bytes, SkipReason, str]] = {
    "not_json.ipynb": (b"{not json", SkipReason.SYNTAX_ERROR, "json"),
    "empty.ipynb": (b"", SkipReason.SYNTAX_ERROR, "json"),
    "deep.ipynb": (_nested(200_000), SkipReason.SYNTAX_ERROR, "nested"),
    "not_utf8.ipynb": (b'{"nbformat": 4, "cells": [], "x": "\xff"}', SkipReason.DECODE_ERROR, "utf-8"),
    "list.ipynb": (b"[1, 2]", SkipReason.DECODE_ERROR, "object"),
    "no_version.ipynb": (b'{"cells": []}', SkipReason.DECODE_ERROR, "nbformat"),
    "v5.ipynb": (b'{"nbformat": 5, "cells": []}', SkipReason.DECODE_ERROR, "nbformat 5"),
    "cells_dict.ipynb": (b'{"nbformat": 4, "cells": {"a": 1}}', SkipReason.DECODE_ERROR, "cells"),
    "cell_number.ipynb": (b'{"nbformat": 4, "cells": [7]}', SkipReason.DECODE_ERROR, "cells[0]"),
    "no_type.ipynb": (b'{"nbformat": 4, "cells": [{"source": "x"}]}', SkipReason.DECODE_ERROR, "cell_type"),
    "source_int.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 12}]}',
        SkipReason.DECODE_ERROR,
        "cells[0].source",
    ),
    "source_dict.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": {"a": "b"}}]}',
        SkipReason.DECODE_ERROR,
        "source",
    ),
    "source_mixed_list.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["x = 1\\n", 2]}]}',
        SkipReason.DECODE_ERROR,
        "source",
    ),
    "outputs_str.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": "x"}]}',
        SkipReason.DECODE_ERROR,
        "outputs",
    ),
    "output_text_dict.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "",'
        b' "outputs": [{"output_type": "stream", "text": {"a": 1}}]}]}',
        SkipReason.DECODE_ERROR,
        "outputs[0].text",
    ),
    "traceback_str.ipynb": (
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "",'
        b' "outputs": [{"output_type": "error", "traceback": "oops"}]}]}',
        SkipReason.DECODE_ERROR,
        "traceback",
    ),
    "huge_number.ipynb": (b'{"nbformat": ' + b"9" * 10_000 + b"}", SkipReason.SYNTAX_ERROR, "json"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NOTEBOOKS))
def test_hostile_notebook_is_a_skip_with_a_reason(tmp_path: Path, name: str) -> None:
    data, reason, word = HOSTILE_NOTEBOOKS[name]
    path = tmp_path / name
    path.write_bytes(data)
    outcome = _read(path, max_size=len(data) + 1)
    assert isinstance(outcome, Skipped), outcome
    assert outcome.reason is reason, outcome
    assert word in outcome.detail.lower(), outcome.detail
    with pytest.raises(NotebookError):
        notebook_view(data)


def test_string_sources_and_odd_but_valid_cells_are_read() -> None:
    view = _view(
        _notebook(
            _code("a = 1\nb = 2"),  # a plain string, not a list: valid nbformat
            {"cell_type": "something-new\nwith a newline", "source": "text"},
            _code("", [{"output_type": "display_data", "data": {"image/png": "iVBOR"}}]),
            _code("c = 3", [{"output_type": "unknown-kind", "text": 5}]),
        )
    )
    assert view.splitlines() == [
        "# %% [cell 1] code",
        "a = 1",
        "b = 2",
        "# %% [cell 2] something-new?with a newline",
        "# text",
        "# %% [cell 3] code",
        "# %% [cell 4] code",
        "c = 3",
    ]


def test_big_notebook_and_too_large_notebook(tmp_path: Path, write_tree: WriteTree) -> None:
    cells = [_code(f"v{i} = {i}\n", [{"output_type": "stream", "text": "\n" * 50}]) for i in range(3000)]
    cells.append(_code(["import hashlib\n", "hashlib.md5(b'')\n"]))
    big = json.dumps(_notebook(*cells))
    root = write_tree(tmp_path / "p", {"big.ipynb": big, "small.py": GOOD})
    result = vulnhound.scan([root], Config(max_file_size=len(big) + 10))
    assert result.skipped == ()
    assert {(f.location.path, f.rule_id) for f in result.findings} >= {("big.ipynb", "py/weak-hash")}
    limited = vulnhound.scan([root], Config(max_file_size=len(big) - 1))
    assert [(s.path, s.reason) for s in limited.skipped] == [("big.ipynb", SkipReason.TOO_LARGE)]


def test_broken_notebooks_never_stop_a_cli_scan(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    files: dict[str, str | bytes] = {name: data for name, (data, _r, _w) in HOSTILE_NOTEBOOKS.items()}
    files["good.py"] = GOOD
    root = write_tree(tmp_path / "p", files)
    proc = cli("scan", root, "-f", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {s["path"]: s["reason"] for s in doc["skipped"]} == {
        name: reason.value for name, (_d, reason, _w) in HOSTILE_NOTEBOOKS.items()
    }
    assert doc["summary"]["files_analyzed"] == 1
