"""Validation matched to the quoting context: a value rejected when it holds the quote that opens
its literal cannot leave that literal, so it is safe there, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.helpers import scan_files

HEAD = (
    "import os, sqlite3\n"
    "from lxml import etree\n"
    "from flask import Flask, request, abort\n"
    "app = Flask(__name__)\n"
    "db = sqlite3.connect('x.db')\n"
    "@app.route('/t')\n"
    "def t():\n"
    "    bar = request.args.get('p', '')\n"
)


def _lines(tmp_path: Path, body: str) -> list[int]:
    result = scan_files(tmp_path, {"app.py": HEAD + body})
    offset = HEAD.count("\n")
    return sorted(f.location.start_line - offset for f in result.findings)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '    if "\'" in bar:\n        abort(400)\n    db.execute("select * from u where n = \'" + bar + "\'")\n',
            [],
        ),
        (
            "    if \"'\" in bar:\n        return 'no'\n    db.execute(f\"select * from u where n = '{bar}'\")\n",
            [],
        ),
        ('    if "\'" not in bar:\n        db.execute(f"select * from u where n = \'{bar}\'")\n', []),
        (
            "    if '\"' in bar:\n        abort(400)\n    etree.parse('e.xml').xpath(f'//e[@id=\"{bar}\"]')\n",
            [],
        ),
        ('    if "\'" in bar:\n        abort(400)\n    os.system("echo \'" + bar + "\'")\n', []),
        # not checked, another quote checked, not inside the quote, or a shell's double quotes
        ("    db.execute(f\"select * from u where n = '{bar}'\")\n", [1]),
        (
            "    if '\"' in bar:\n        abort(400)\n    db.execute(f\"select * from u where n = '{bar}'\")\n",
            [3],
        ),
        (
            '    if "\'" in bar:\n        abort(400)\n    db.execute(f"select * from u where id = {bar}")\n',
            [3],
        ),
        ("    if '\"' in bar:\n        abort(400)\n    os.system('echo \"' + bar + '\"')\n", [3]),
        ('    if "\'" in bar:\n        pass\n    db.execute(f"select * from u where n = \'{bar}\'")\n', [3]),
    ],
)
def test_a_checked_quote_protects_only_its_own_literal(
    tmp_path: Path, body: str, expected: list[int]
) -> None:
    assert _lines(tmp_path, body) == expected
