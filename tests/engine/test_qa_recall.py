"""Missed flows from a trial on real code, as minimal programs: shell interpreters in argv lists,
Tornado/aiohttp/Bottle/Starlette entry points, dynamic imports, closures and `global` writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.helpers import scan_files


def _found(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    result = scan_files(tmp_path, files)
    return sorted((f.rule_id, f.location.path, f.location.start_line) for f in result.findings)


FLASK = "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n"


@pytest.mark.parametrize(
    ("argv", "reported"),
    [
        ('["sh", "-c", "grep " + pat]', True),
        ('["/bin/bash", "-lc", f"grep {pat}"]', True),
        ('["cmd", "/c", "dir " + pat]', True),
        ('["sh", "-c", "grep fixed", "sh", pat]', False),  # $1 of a fixed script: data, not code
        ('["grep", "-c", pat]', False),  # -c of grep is a count, not a command
        ('["sh", "-c", "grep " + shlex.quote(pat)]', False),
    ],
)
def test_shell_interpreter_with_c_runs_the_next_argument(tmp_path: Path, argv: str, reported: bool) -> None:
    code = (
        f"import shlex\n{FLASK}@app.route('/g')\ndef g():\n    pat = request.args['p']\n"
        f"    subprocess.run({argv})\n    return ''\n"
    )
    assert _found(tmp_path, {"app.py": code}) == ([("py/command-injection", "app.py", 8)] if reported else [])


def test_walrus_in_condition_then_shell_list(tmp_path: Path) -> None:
    code = (
        f"{FLASK}@app.route('/g')\ndef g():\n"
        "    if (pat := request.values.get('p')) is not None:\n"
        "        return subprocess.run(['sh', '-c', 'grep ' + pat], capture_output=True).stdout\n"
        "    return ''\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [("py/command-injection", "app.py", 7)]


def test_tornado_handler_sources_and_sinks(tmp_path: Path) -> None:
    code = (
        "import os\nimport tornado.web\n"
        "class Base(tornado.web.RequestHandler):\n"
        "    def prepare(self):\n        self.user = 'x'\n"
        "class Ping(Base):\n"
        "    def get(self, slug):\n"
        "        os.system('ping ' + self.get_argument('host'))\n"  # 8
        "        os.system(slug)\n"  # 9
        "        self.write('<p>' + self.get_query_argument('q') + '</p>')\n"  # 10
        "        self.write({'q': self.get_query_argument('q')})\n"  # 11: JSON
        "        self.redirect(self.request.arguments['to'][0].decode())\n"  # 12
        "        self.set_header('X-A', self.request.headers['a'])\n"  # 13
        "        self.write(self.helper('fixed'))\n"  # 14: clean
        "    def helper(self, value):\n        return value\n"
        "class NotHandler:\n"
        "    def get(self, slug):\n        os.system(slug)\n"
    )
    assert sorted(line for _, _, line in _found(tmp_path, {"app.py": code})) == [8, 9, 10, 12, 13]


def test_aiohttp_bottle_starlette_entry_points(tmp_path: Path) -> None:
    aio = (
        "import os\nfrom aiohttp import web\n"
        "async def run(request):\n"
        "    os.system(request.match_info['cmd'])\n"
        "    data = await request.post()\n"
        "    os.system(data['c'])\n"
        "    return web.Response(text='ok')\n"
        "app = web.Application()\napp.add_routes([web.get('/run/{cmd}', run)])\n"
    )
    bottle = "import os\nfrom bottle import request, route\n@route('/r')\ndef r():\n    os.system(request.query.cmd)\n"
    star = (
        "import os\nfrom starlette.applications import Starlette\nfrom starlette.routing import Route\n"
        "async def home(request):\n    os.system(request.query_params['c'])\n"
        "app = Starlette(routes=[Route('/', home)])\n"
    )
    found = _found(tmp_path, {"aio/app.py": aio, "bot/app.py": bottle, "star/app.py": star})
    assert found == [
        ("py/command-injection", "aio/app.py", 4),
        ("py/command-injection", "aio/app.py", 6),
        ("py/command-injection", "bot/app.py", 5),
        ("py/command-injection", "star/app.py", 5),
    ]


def test_dynamic_import_is_code_injection(tmp_path: Path) -> None:
    code = (
        "import importlib\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "@app.route('/p')\ndef p():\n"
        "    importlib.import_module(request.args['m'])\n"
        "    __import__(request.args['m'])\n"
        "    importlib.import_module('plugins.' + str(int(request.args['n'])))\n"
        "    return ''\n"
    )
    result = scan_files(tmp_path, {"app.py": code})
    assert sorted((f.rule_id, f.location.start_line) for f in result.findings) == [
        ("py/code-injection", 6),
        ("py/code-injection", 7),
    ]
    assert all(f.cwe == ("CWE-94",) for f in result.findings)


def test_nested_function_sees_enclosing_variables(tmp_path: Path) -> None:
    code = (
        f"{FLASK}@app.route('/a')\ndef a():\n"
        "    cmd = request.args['c']\n"
        "    def run():\n        subprocess.run(cmd, shell=True)\n"  # 8
        "    run()\n    return ''\n"
        "@app.route('/b')\ndef b():\n"
        "    cmd = 'ls'\n"
        "    def run():\n        subprocess.run(cmd, shell=True)\n"  # 15: constant
        "    run()\n    return ''\n"
        "def helper(cmd):\n"
        "    def run():\n        subprocess.run(cmd, shell=True)\n"  # 20: parameter, not the nested one's
        "    return run\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [("py/command-injection", "app.py", 8)]


def test_global_assignment_reaches_other_functions(tmp_path: Path) -> None:
    code = (
        f"{FLASK}TARGET = None\nSAFE = None\n"
        "def run():\n    subprocess.run(TARGET, shell=True)\n    subprocess.run(SAFE, shell=True)\n"
        "@app.route('/set')\ndef set_target():\n"
        "    global TARGET\n    TARGET = request.args['t']\n"
        "    SAFE = request.args['t']\n"  # a local: no `global`
        "    subprocess.run(['ls', SAFE])\n"
        "    return ''\n"
        "@app.route('/run')\ndef go():\n    run()\n    return ''\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [("py/command-injection", "app.py", 7)]
