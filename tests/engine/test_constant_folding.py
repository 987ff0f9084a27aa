"""Constant propagation and container element sensitivity: branches that a constant condition
rules out and list or dict elements that a constant index selects decide what is reported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests.engine.helpers import scan_files

from vulnhound.engine import folding
from vulnhound.engine.taint import NOCONST

HEAD = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def _lines(tmp_path: Path, body: str) -> list[int]:
    code = (
        HEAD + "@app.route('/t', methods=['POST'])\ndef t():\n    param = request.form.get('p', '')\n" + body
    )
    result = scan_files(tmp_path, {"app.py": code})
    offset = code.count("\n") - body.count("\n")
    return sorted(f.location.start_line - offset for f in result.findings)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # arithmetic in an if condition: 294 - 86 > 200, so bar is the constant
        (
            "    num = 86\n    bar = 'safe' if (7 * 42) - num > 200 else param\n    os.system('echo ' + bar)\n",
            [],
        ),
        (
            "    num = 106\n    bar = 'safe' if (7 * 42) - num > 200 else param\n    os.system('echo ' + bar)\n",
            [3],
        ),
        (
            "    num = 86\n    if (7 * 42) - num > 200:\n        bar = 'ok'\n    else:\n        bar = param\n"
            "    os.system('echo ' + bar)\n",
            [],
        ),
        # string methods and subscripts
        (
            "    b = ('x' * 3).replace('x', 'y')\n    bar = param if b == 'zzz' else 's'\n    os.system('echo ' + bar)\n",
            [],
        ),
        (
            "    b = ('x' * 3).replace('x', 'z')\n    bar = param if b == 'zzz' else 's'\n    os.system('echo ' + bar)\n",
            [3],
        ),
        (
            "    g = 'ABC'[1]\n    bar = param if g.lower() == 'a' else 's'\n    os.system('echo ' + bar)\n",
            [],
        ),
        # match on a constant subject
        (
            "    target = 'ABC'[1]\n    match target:\n        case 'A':\n            bar = param\n"
            "        case 'B' | 'C':\n            bar = 'bob'\n        case _:\n            bar = param\n"
            "    os.system('echo ' + bar)\n",
            [],
        ),
        (
            "    target = 'ABC'[0]\n    match target:\n        case 'A':\n            bar = param\n"
            "        case _:\n            bar = 'bob'\n    os.system('echo ' + bar)\n",
            [7],
        ),
        # list edits shift elements; pop returns the removed one
        (
            "    v = []\n    v.append('safe')\n    v.append(param)\n    v.append('more')\n    v.pop(0)\n"
            "    os.system('echo ' + v[1])\n",
            [],
        ),
        (
            "    v = []\n    v.append('safe')\n    v.append(param)\n    v.append('more')\n    v.pop(0)\n"
            "    os.system('echo ' + v[0])\n",
            [6],
        ),
        (
            "    v = ['a', param]\n    x = v.pop()\n    os.system('echo ' + v[0])\n    os.system('echo ' + x)\n",
            [4],
        ),
        (
            "    v = ['a', 'b']\n    v.insert(0, param)\n    os.system('echo ' + v[1])\n    os.system('echo ' + v[0])\n",
            [4],
        ),
        ("    v = [param, 'b']\n    v.remove('b')\n    os.system('echo ' + v[0])\n", [3]),
        (
            "    m = {'a': 'x', 'b': param}\n    y = m.pop('b')\n    os.system('echo ' + m['a'])\n    os.system(y)\n",
            [4],
        ),
    ],
)
def test_branches_and_elements_follow_constants(tmp_path: Path, body: str, expected: list[int]) -> None:
    assert _lines(tmp_path, body) == expected


def test_folding_refuses_huge_values_and_unknown_operations() -> None:

    assert folding.binop(ast.Mult(), "x", 10**9) is NOCONST
    assert folding.binop(ast.Pow(), 10, 10**6) is NOCONST
    assert folding.binop(ast.LShift(), 1, 10**6) is NOCONST
    assert folding.binop(ast.Div(), 1, 0) is NOCONST
    assert folding.binop(ast.Sub(), 7 * 42, 86) == 208
    assert folding.method("abc", "zfill", [10**9]) is NOCONST
    assert folding.method("a,b", "split", [","]) == ("a", "b")
    assert folding.method("abc", "format", []) is NOCONST  # not a listed method
    assert folding.builtin("len", ["abcd"]) == 4
    assert folding.builtin("open", ["x"]) is NOCONST
    assert folding.subscript("ABC", 5) is NOCONST


def test_configparser_values_are_read_back_by_their_keys(tmp_path: Path) -> None:
    body = (
        "    import configparser\n"
        "    conf = configparser.ConfigParser()\n"
        "    conf.add_section('s')\n"
        "    conf.set('s', 'keyA', 'a_Value')\n"
        "    conf.set('s', 'keyB', param)\n"
        "    os.system('echo ' + conf.get('s', 'keyA'))\n"
        "    os.system('echo ' + conf.get('s', 'keyB'))\n"
        "    os.system('echo ' + conf['s']['keyA'])\n"
        "    os.system('echo ' + conf['s']['keyB'])\n"
        "    os.system('echo ' + conf.get('s', 'nope', fallback='x'))\n"
    )
    assert _lines(tmp_path, body) == [7, 9]


def test_a_store_under_an_unknown_key_taints_the_whole_store(tmp_path: Path) -> None:
    body = (
        "    import configparser\n"
        "    conf = configparser.ConfigParser()\n"
        "    conf.set('s', param, param)\n"
        "    os.system('echo ' + conf.get('s', 'keyA'))\n"
    )
    assert _lines(tmp_path, body) == [4]


def test_the_url_path_and_referrer_are_request_data(tmp_path: Path) -> None:
    body = (
        "    os.system('ls ' + request.path.split('/')[-1])\n"
        "    os.system('ls ' + request.referrer)\n"
        "    os.system('ls ' + request.method)\n"  # GET/POST: werkzeug validates the method token
    )
    assert _lines(tmp_path, body) == [1, 2]
