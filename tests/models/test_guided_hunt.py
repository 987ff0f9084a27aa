"""Engine-guided hunting: units ranked by sinks, entry points and sources; --hunt-top sends only
the riskiest and reports the rest as not analysed; requests carry callee signatures, not bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vulnhound.engine.spec import build_spec
from vulnhound.hunt.units import extract_units
from vulnhound.models.ranking import rank_units
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile

from .servers import ScriptedServer, hunting_brain

APP = """\
import os
from flask import Flask, request

from shop.util import build_command

app = Flask(__name__)


def format_price(cents):
    return "%d.%02d" % divmod(cents, 100)


@app.route("/run")
def run():
    os.system(build_command(request.args["d"]))
    return "ok"


def read_header(req):
    return req.headers.get("X-Name", "")


def lookup(name):
    return name.upper()
"""

UTIL = '''\
def build_command(directory):
    """Build the ls command line for a directory."""
    secret_body_marker = "BODY-OF-BUILD-COMMAND"
    return "ls " + directory
'''


def _config(url: str) -> str:
    """One scripted model, "m", in the local zone."""
    return f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\nzone = "local"\ntimeout_s = 5\n'


def _files() -> list[SourceFile]:
    return [
        SourceFile("shop/app.py", "shop/app.py", "python", APP),
        SourceFile("shop/util.py", "shop/util.py", "python", UTIL),
    ]


def test_units_are_ranked_by_what_the_engine_knows() -> None:
    files = _files()
    units = [u for f in files for u in extract_units(f)]
    ranked = rank_units(units, files, build_spec(RuleCatalog.load([]).for_analyzer("engine")))
    order = [r.unit.name for r in ranked]
    assert order[0] == "run"  # a sink, an entry point
    assert order.index("read_header") < order.index("format_price")  # a request parameter
    top = ranked[0]
    assert "sink os.system" in top.why and "entry point" in top.why
    assert [(p, line) for p, line, _s in top.callees] == [("shop/util.py", 1)]
    assert top.callees[0][2] == "def build_command(directory)  # Build the ls command line for a directory."


def test_hunt_top_sends_the_riskiest_units_with_callee_signatures(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", hunting_brain({"os.system": "CWE-78"})) as server:
        config = _config(server.url)
        root = write_tree(
            tmp_path / "repo",
            {"shop/__init__.py": "", "shop/app.py": APP, "shop/util.py": UTIL, "vulnhound.toml": config},
        )
        done = cli("scan", root, "--model", "m", "--hunt", "--hunt-top", "2", "--no-cache", "-f", "json")
        prompts = server.prompts()
    assert done.returncode == 1, done.stderr
    assert len(prompts) == 2
    assert any("def run():" in p and "def build_command(directory)" in p for p in prompts)
    assert not any("BODY-OF-BUILD-COMMAND" in p for p in prompts)
    doc = json.loads(done.stdout)
    cut = [s for s in doc["skipped"] if "--hunt-top 2" in s["detail"]]
    assert cut and sum(int(s["detail"].split()[0]) for s in cut) >= 3
    assert any("2 riskiest of" in n for n in doc["notes"])
    bad = cli("scan", root, "--model", "m", "--triage", "--hunt-top", "2")
    assert bad.returncode == 2 and "--hunt-top needs --hunt" in bad.stderr


def test_minified_code_is_not_sent_and_long_lines_are_cut(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    """A minified bundle (one line of 40 kB full of risky-looking calls) would rank riskiest and
    fill a context window: it is skipped as too large. A long line in a normal function goes out
    cut to its first 1,000 characters."""
    bundle = ";".join(f"eval(document.location.hash+{n});exec(q{n})" for n in range(1500))
    blob = "x" * 5000
    app = APP + f'\n\ndef banner():\n    return "{blob}"\n'
    with ScriptedServer("openai", hunting_brain({"os.system": "CWE-78"})) as server:
        config = _config(server.url)
        root = write_tree(
            tmp_path / "repo",
            {
                "shop/__init__.py": "",
                "shop/app.py": app,
                "shop/util.py": UTIL,
                "shop/static/bundle.js": bundle + "\n",
                "vulnhound.toml": config,
            },
        )
        done = cli("scan", root, "--model", "m", "--hunt", "--no-cache", "-f", "json")
        prompts = server.prompts()
        sizes = [len(raw) for raw in server.raw]
    assert done.returncode == 1, done.stderr
    assert prompts and not any("document.location.hash+7" in p for p in prompts)
    assert max(sizes) < 20_000, sizes
    doc = json.loads(done.stdout)
    (skip,) = [s for s in doc["skipped"] if s["path"] == "shop/static/bundle.js"]
    assert skip["reason"] == "too-large" and "not hunted" in skip["detail"]
    banner = [p for p in prompts if "def banner():" in p]
    assert banner and all(blob not in p and "more characters not shown]" in p for p in banner)


def test_units_outside_production_code_rank_after_it() -> None:
    """A docs/conf.py full of os.system ranked above the real code once and took the budget."""
    files = [
        *_files(),
        SourceFile(
            "docs/conf.py", "docs/conf.py", "python", "import os\n\n\ndef build():\n    os.system('make')\n"
        ),
    ]
    units = [u for f in files for u in extract_units(f)]
    spec = build_spec(RuleCatalog.load([]).for_analyzer("engine"))
    plain = [r.unit.path for r in rank_units(units, files, spec)]
    assert plain.index("docs/conf.py") < len(plain) - 1  # riskier than some real code on its own terms
    ranked = rank_units(units, files, spec, lambda path: not path.startswith("docs/"))
    assert ranked[0].unit.name == "run" and ranked[-1].unit.path == "docs/conf.py"
