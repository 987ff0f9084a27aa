"""Propagation forms, interprocedural flows, constant branches, timeouts and user rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.engine.helpers import rules, scan_files

from vulnhound.sources import SkipReason

HEAD = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n"

FLOWS = [
    ("unpacking", "    x, y = request.args['a'], 'ls'\n    os.system(x)\n", True),
    ("unpacking-clean-element", "    x, y = request.args['a'], 'ls'\n    os.system(y)\n", False),
    ("augmented", "    c = 'ls '\n    c += request.args['a']\n    os.system(c)\n", True),
    ("percent", "    os.system('ls %s' % request.args['a'])\n", True),
    ("format", "    os.system('ls {}'.format(request.args['a']))\n", True),
    ("join", "    os.system(' '.join(['ls', request.args['a']]))\n", True),
    ("str-method", "    os.system(request.args['a'].strip().lower())\n", True),
    (
        "dict-constant-key",
        "    d = {'cmd': 'ls', 'arg': request.args['a']}\n    os.system(d['cmd'])\n",
        False,
    ),
    ("dict-tainted-key", "    d = {'cmd': 'ls', 'arg': request.args['a']}\n    os.system(d['arg'])\n", True),
    ("list-element", "    items = ['ls', request.args['a']]\n    os.system(items[0])\n", False),
    (
        "comprehension",
        "    parts = [p for p in request.args['a'].split(',')]\n    os.system(parts[0])\n",
        True,
    ),
    (
        "comprehension-guard",
        "    ok = {'a', 'b'}\n    parts = [p for p in request.args['a'].split(',') if p in ok]\n    os.system(parts[0])\n",
        False,
    ),
    ("lambda", "    run = lambda s: os.system(s)\n    run(request.args['a'])\n", True),
    (
        "loop",
        "    c = ''\n    for part in request.args.getlist('a'):\n        c = c + part\n    os.system(c)\n",
        True,
    ),
    (
        "try-with",
        "    try:\n        with open('/x') as fh:\n            c = request.args['a']\n    except OSError:\n        c = 'ls'\n    os.system(c)\n",
        True,
    ),
    ("overwritten", "    c = request.args['a']\n    c = 'ls'\n    os.system(c)\n", False),
    ("dead-branch", "    c = request.args['a']\n    if False:\n        os.system(c)\n", False),
    ("constant-module-flag", "    c = request.args['a']\n    if DEBUG:\n        os.system(c)\n", False),
    ("equality-guard", "    c = request.args['a']\n    if c == 'ls':\n        os.system(c)\n", False),
    (
        "early-return-guard",
        "    c = request.args['a']\n    if c not in ('ls', 'pwd'):\n        return 'no'\n    os.system(c)\n",
        False,
    ),
    (
        "guard-wrong-branch",
        "    c = request.args['a']\n    if c in ('ls', 'pwd'):\n        return 'ok'\n    os.system(c)\n",
        True,
    ),
    ("walrus", "    if (c := request.args['a']):\n        os.system(c)\n", True),
]


@pytest.mark.parametrize(("body", "vulnerable"), [f[1:] for f in FLOWS], ids=[f[0] for f in FLOWS])
def test_propagation(tmp_path: Path, body: str, vulnerable: bool) -> None:
    code = "DEBUG = False\n" + HEAD + body
    assert ("py/command-injection" in rules(tmp_path, code)) is vulnerable


def test_interprocedural_across_modules_and_classes(tmp_path: Path) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/helpers.py": (
            "import subprocess\n"
            "def run(cmd):\n    return subprocess.check_output(cmd, shell=True)\n"
            "def wrap(x):\n    return 'echo ' + x\n"
            "def clean(x):\n    return 'echo safe'\n"
            "class Runner:\n"
            "    def __init__(self, cmd):\n        self.cmd = cmd\n"
            "    def go(self):\n        return run(self.cmd)\n"
        ),
        "shop/views.py": (
            "from flask import Flask, request\nfrom . import helpers\nfrom .helpers import Runner, wrap, clean\n"
            "app = Flask(__name__)\n"
            "@app.route('/a')\ndef a():\n    return helpers.run(wrap(request.args['a']))\n"
            "@app.route('/b')\ndef b():\n    return helpers.run(clean(request.args['a']))\n"
            "@app.route('/c')\ndef c():\n    return Runner(request.form['c']).go()\n"
        ),
    }
    result = scan_files(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "py/command-injection"]
    assert len(hits) == 1 and hits[0].location.path == "shop/helpers.py"
    sources = {f.flow[0].location.start_line for f in hits}
    assert sources & {7, 13}  # a source in views.py reaches the sink in helpers.py
    assert any(step.note.startswith("call to") for step in hits[0].flow)


def test_recursion_terminates(tmp_path: Path) -> None:
    code = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "def f(x, n):\n    if n:\n        return g(x, n - 1)\n    os.system(x)\n"
        "def g(x, n):\n    return f(x, n)\n"
        "@app.route('/a')\ndef a():\n    return f(request.args['a'], 3)\n"
    )
    assert "py/command-injection" in rules(tmp_path, code)


def test_route_parameters_and_framework_sources(tmp_path: Path) -> None:
    flask = "import os\nfrom flask import Flask\napp = Flask(__name__)\n@app.route('/r/<name>/<int:n>')\ndef r(name, n):\n    os.system(name)\n    os.system('x' + str(n))\n"
    fastapi = "import os\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n@app.get('/i/{q}')\nasync def i(q: str, n: int, request: Request):\n    os.system(q)\n    os.system('x' * n)\n    os.system((await request.body()).decode())\n"
    django = "import os\ndef view(request, slug):\n    os.system(slug)\n    os.system(request.GET['x'])\n"
    argv = "import os, sys\nos.system(sys.argv[1])\n"
    for name, code, count in (
        ("f.py", flask, 1),
        ("fa.py", fastapi, 2),
        ("views.py", django, 2),
        ("cli.py", argv, 1),
    ):
        found = [
            f
            for f in scan_files(tmp_path / name[:-3], {name: code}).findings
            if f.rule_id == "py/command-injection"
        ]
        assert len(found) == count, (name, found)


def test_env_sources_have_low_confidence(tmp_path: Path) -> None:
    # operator input (environment, argv) is a low-confidence source whatever the rule says
    result = scan_files(tmp_path, {"cli.py": "import os\nos.system(os.environ['CMD'])\n"})
    (finding,) = result.findings
    assert finding.confidence.value == "low"


def test_taint_parameters_option(tmp_path: Path) -> None:
    from vulnhound.engine.analyzer import analyze_files
    from vulnhound.engine.spec import build_spec
    from vulnhound.rules.catalog import RuleCatalog
    from vulnhound.sources import SourceFile

    spec = build_spec(RuleCatalog.load().for_analyzer("engine"))
    lib = SourceFile(
        "lib.py", str(tmp_path / "lib.py"), "python", "import os\ndef run(cmd):\n    os.system(cmd)\n"
    )
    assert not analyze_files([lib], spec).findings
    assert len(analyze_files([lib], spec, taint_parameters=True).findings) == 1


def test_per_file_timeout_skips_only_that_file(tmp_path: Path) -> None:
    big = "import os\nfrom flask import request\n" + "".join(
        f"def f{i}(x):\n    y = x + '{i}'\n    if y:\n        y = y.strip()\n    return f{i + 1}(y) if y else y\n"
        for i in range(3000)
    )
    ok = "import os\nfrom flask import request\nos.system(request.args['a'])\n"
    result = scan_files(tmp_path, {"huge.py": big, "ok.py": ok}, per_file_timeout=0.01)
    assert any(s.path == "huge.py" and s.reason == SkipReason.TIMEOUT for s in result.skipped)
    assert any(f.location.path == "ok.py" for f in result.findings)


def test_deeply_nested_expression_does_not_crash(tmp_path: Path) -> None:
    deep = "x = " + "(" * 400 + "1" + ")" * 400 + "\n" + "y = " + "-" * (sys.getrecursionlimit() * 2) + "1\n"
    ok = "import os\nfrom flask import request\nos.system(request.args['a'])\n"
    result = scan_files(tmp_path, {"deep.py": deep, "ok.py": ok})
    assert any(f.location.path == "ok.py" for f in result.findings)


def test_user_rule_file_adds_source_sink_and_sanitizer(tmp_path: Path) -> None:
    rule_file = tmp_path / "acme.toml"
    rule_file.write_text(
        '[[source]]\nkind = "remote"\nnames = ["acme.rpc.param"]\n\n'
        '[[sanitizer]]\ncalls = ["acme.clean"]\nclears = ["acme-shell"]\n\n'
        '[[rule]]\nid = "acme/shell"\nanalyzer = "engine"\nkind = "acme-shell"\nname = "Acme shell"\n'
        'cwe = ["CWE-78"]\nseverity = "high"\nshort_description = "Acme shell call with user data."\n\n'
        '[[rule.sink]]\ncalls = ["acme.shell.run"]\nargs = [0]\n',
        encoding="utf-8",
    )
    code = "import acme.rpc, acme.shell, acme\nacme.shell.run(acme.rpc.param('x'))\nacme.shell.run(acme.clean(acme.rpc.param('y')))\n"
    src = tmp_path / "src"
    result = scan_files(src, {"svc.py": code}, rule_files=(str(rule_file),))
    hits = [f for f in result.findings if f.rule_id == "acme/shell"]
    assert [f.location.start_line for f in hits] == [2]
