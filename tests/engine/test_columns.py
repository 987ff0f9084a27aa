"""Locations carry 1-based character columns although ``ast`` counts UTF-8 bytes."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.engine.helpers import scan_files

from vulnhound.pyparse import char_column, location_of


def test_char_column_counts_characters_not_bytes() -> None:
    line = "x = 'héllo→'; f(y)"
    byte_offset = line.encode("utf-8").index(b"f(y)")
    assert char_column(line, byte_offset) == line.index("f(y)") + 1
    assert char_column("abc", 2) == 3


def test_location_of_uses_character_columns_end_exclusive() -> None:
    source = "s = 'ünïcödé'; print(s)\n"
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call))
    loc = location_of("m.py", call, source)
    assert (loc.start_column, loc.end_column) == (source.index("print") + 1, source.index(")") + 2)


def test_engine_finding_column_after_non_ascii_text(tmp_path: Path) -> None:
    code = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "@app.route('/a')\ndef a():\n"
        "    note = 'Grüße → 日本'; os.system(request.args['c'])\n"
    )
    result = scan_files(tmp_path, {"app.py": code})
    [finding] = [f for f in result.findings if f.rule_id == "py/command-injection"]
    line = code.splitlines()[5]
    assert finding.location.start_line == 6
    assert finding.location.start_column == line.index("os.system") + 1
    assert finding.location.end_column == len(line) + 1
    source_step = finding.flow[0]
    assert source_step.location.start_column == line.index("request.args") + 1
