"""Unbounded allocation (CWE-770/789/400): a number from the request that sizes a buffer, a
repeated sequence or a read is reported unless bounded; a number injects nothing elsewhere."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files


def test_request_sized_allocations_and_their_bounds(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "MAX = 1024\n"
        "@app.route('/a', methods=['POST'])\n"
        "def a():\n"
        "    n = int(request.args['n'])\n"
        "    buf = bytearray(n)\n"  # 8
        "    pad = b'\\0' * n\n"  # 9
        "    rows = [0] * n\n"  # 10
        "    body = request.stream.read(int(request.headers['Content-Length']))\n"  # 11
        "    ok = bytearray(min(n, MAX))\n"
        "    os.system('echo %d' % n)\n"  # a number injects no command
        "    if n > MAX:\n"
        "        return 'too big'\n"
        "    return str(len(bytearray(n)) + len(buf) + len(pad) + len(rows) + len(body) + len(ok))\n"
        "@app.route('/b')\n"
        "def b():\n"
        "    n = int(request.args['n'])\n"
        "    if n < 0:\n"
        "        return 'negative'\n"
        "    return str(len(bytearray(n)))\n"  # 22: only a lower bound
    )
    found = sorted(
        (f.rule_id, f.location.start_line) for f in scan_files(tmp_path, {"app.py": code}).findings
    )
    assert found == [("py/unbounded-allocation", line) for line in (8, 9, 10, 11, 22)]


def test_a_read_of_a_name_is_no_allocation(tmp_path: Path) -> None:
    code = (
        "import zipfile\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "@app.route('/z')\n"
        "def z():\n"
        "    with zipfile.ZipFile('a.zip') as zf:\n"
        "        return str(len(zf.read(request.args['member'])))\n"
        "    return request.stream.read(len(request.args['n']))\n"
    )
    rules = {f.rule_id for f in scan_files(tmp_path, {"app.py": code}).findings}
    assert "py/unbounded-allocation" not in rules
