"""The result cache: a rescan reuses what is unchanged, re-analyses what a change can reach
(callers of a changed helper included), and always reports what a scan without it reports."""

from __future__ import annotations

import ast
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import vulnhound
from vulnhound import Config
from vulnhound.resultcache.imports import ImportGraph, imported_names

VIEWS = """\
import subprocess

from flask import Flask, request

from shop.helpers import clean

app = Flask(__name__)


@app.route("/greet")
def greet():
    return subprocess.check_output("echo " + clean(request.args["name"]), shell=True)
"""

HELPERS = """\
import shlex


def clean(value):
    return shlex.quote(value)
"""

OTHER = """\
import hashlib


def digest(data):
    return hashlib.md5(data).hexdigest()
"""


def _project(root: Path) -> Path:
    for name, text in {
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
        "shop/helpers.py": HELPERS,
        "shop/other.py": OTHER,
        "shop/notes.md": "# notes\n",
        # modules no change here reaches: the cache keeps their results
        **{f"shop/unrelated_{n}.py": f"def f{n}(x):\n    return x + {n}\n" for n in range(6)},
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("VULNHOUND_CACHE_DIR", str(folder))
    return folder


def _identity(result: vulnhound.ScanResult) -> list[tuple[Any, ...]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.start_line, f.message, tuple(s.location for s in f.flow))
        for f in result.findings
    )


def _cache(result: vulnhound.ScanResult) -> dict[str, dict[str, int]]:
    extras = dict(result.extras)
    report = extras["cache"]
    assert isinstance(report, dict)
    return report


def test_a_rescan_of_unchanged_code_reuses_everything(tmp_path: Path, cache_dir: Path) -> None:
    root = _project(tmp_path / "p")
    first = vulnhound.scan([root], Config())
    second = vulnhound.scan([root], Config())
    assert _identity(second) == _identity(first) and first.findings
    assert _cache(first)["reused_files"]["engine"] == 0
    assert _cache(second)["analysed_files"] == {"engine": 0, "patterns": 0, "secrets": 0, "ai-directives": 0}
    assert _cache(second)["reused_files"]["engine"] == 10
    assert (cache_dir / "results.sqlite").is_file()
    assert not (root / ".vulnhound").exists()  # never in the scanned tree


def test_a_helper_that_loses_its_check_reanalyses_its_callers(tmp_path: Path, cache_dir: Path) -> None:
    root = _project(tmp_path / "p")
    before = vulnhound.scan([root], Config())
    assert not [f for f in before.findings if f.rule_id == "py/command-injection"]
    (root / "shop" / "helpers.py").write_text(HELPERS.replace("shlex.quote(value)", "value.strip()"))
    after = vulnhound.scan([root], Config())
    assert [f.location.path for f in after.findings if f.rule_id == "py/command-injection"] == [
        "shop/views.py"
    ]
    assert _identity(after) == _identity(vulnhound.scan([root], Config(cache=False)))
    report = _cache(after)
    assert report["analysed_files"]["patterns"] == 1  # only the changed file, for file-scoped analyzers
    # the engine: helpers.py, views.py (imports it) and the package; not other.py and the rest
    assert report["analysed_files"]["engine"] == 3 and report["reused_files"]["engine"] == 7


def test_a_deleted_helper_drops_the_flows_through_it(tmp_path: Path, cache_dir: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "shop" / "helpers.py").write_text(HELPERS.replace("shlex.quote(value)", "value"))
    assert any(f.rule_id == "py/command-injection" for f in vulnhound.scan([root], Config()).findings)
    (root / "shop" / "helpers.py").unlink()
    after = vulnhound.scan([root], Config())
    assert _identity(after) == _identity(vulnhound.scan([root], Config(cache=False)))
    assert not [f for f in after.findings if "helpers.py" in {s.location.path for s in f.flow}]


def test_other_rules_or_settings_are_other_entries(tmp_path: Path, cache_dir: Path) -> None:
    root = _project(tmp_path / "p")
    vulnhound.scan([root], Config())
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nid = "acme/own-digest"\nanalyzer = "patterns"\nname = "Own digest"\ncwe = ["CWE-328"]\n'
        'severity = "low"\nshort_description = "digest() is weak."\n\n[[rule.match]]\ncalls = ["shop.other.digest"]\n'
    )
    with_rules = vulnhound.scan([root], Config(rule_files=(str(rules),)))
    assert _cache(with_rules)["reused_files"]["patterns"] == 0
    library = vulnhound.scan([root], Config(taint_parameters=True))
    assert _cache(library)["reused_files"]["engine"] == 0
    assert _identity(library) == _identity(vulnhound.scan([root], Config(taint_parameters=True, cache=False)))


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, cache_dir: Path, cli: Any) -> None:
    root = _project(tmp_path / "p")
    done = cli("scan", root, "--no-cache", "-f", "json", env={"VULNHOUND_CACHE_DIR": str(cache_dir)})
    assert done.returncode in (0, 1), done.stderr
    assert not (cache_dir / "results.sqlite").exists()
    assert "cache" not in json.loads(done.stdout)["extras"]
    cached = cli("scan", root, "-f", "json", env={"VULNHOUND_CACHE_DIR": str(cache_dir)})
    assert (cache_dir / "results.sqlite").is_file() and "cache" in json.loads(cached.stdout)["extras"]
    off = cli("scan", root, "-f", "json", env={"VULNHOUND_CACHE_DIR": str(cache_dir), "VULNHOUND_CACHE": "0"})
    assert "cache" not in json.loads(off.stdout)["extras"]


def test_a_damaged_cache_file_costs_only_speed(tmp_path: Path, cache_dir: Path) -> None:
    root = _project(tmp_path / "p")
    cache_dir.mkdir(parents=True)
    (cache_dir / "results.sqlite").write_bytes(b"this is not a database" * 100)
    result = vulnhound.scan([root], Config())
    assert _identity(result) == _identity(vulnhound.scan([root], Config(cache=False)))
    with sqlite3.connect(cache_dir / "results.sqlite") as db:
        # a record edited by hand: not valid JSON any more -> a miss, not a crash
        db.execute("UPDATE records SET data = '{not json'")
    assert _identity(vulnhound.scan([root], Config())) == _identity(result)


def test_random_edits_never_change_what_is_reported(tmp_path: Path, cache_dir: Path) -> None:
    """Edit, add and delete files at random; after each step the cached scan reports exactly
    what an uncached scan reports."""
    root = _project(tmp_path / "p")
    rng = random.Random(7)
    variants = {
        "shop/helpers.py": [
            HELPERS,
            HELPERS.replace("shlex.quote(value)", "value"),
            "def clean(v):\n    return v\n",
        ],
        "shop/views.py": [VIEWS, VIEWS.replace("shell=True", "shell=False"), VIEWS + "\n\nX = 1\n"],
        "shop/other.py": [OTHER, OTHER.replace("md5", "sha256"), None],
        "shop/extra.py": [
            None,
            "import os\nfrom shop.helpers import clean\n\n\ndef run(a):\n    os.system(clean(a))\n",
        ],
    }
    for _step in range(8):
        path, options = rng.choice(sorted(variants.items()))
        text = rng.choice(options)
        target = root / path
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(text)
        cached = vulnhound.scan([root], Config(taint_parameters=True))
        fresh = vulnhound.scan([root], Config(taint_parameters=True, cache=False))
        assert _identity(cached) == _identity(fresh), path


def test_imports_resolve_relative_and_absolute_names() -> None:
    assert imported_names("pkg/sub/mod.py", "from . import a\nfrom ..b import c\nimport x.y\n") == [
        "pkg.b",
        "pkg.b.c",
        "pkg.sub",
        "pkg.sub.a",
        "x.y",
    ]
    assert imported_names("bad.py", "def (:\n") == []
    graph = ImportGraph(
        {
            "pkg/__init__.py": [],
            "pkg/a.py": ["pkg.b"],
            "pkg/b.py": ["pkg.c.thing"],
            "pkg/c.py": [],
            "pkg/d.py": ["os"],
        }
    )
    assert graph.importers_of({"pkg/c.py"}) == {"pkg/a.py", "pkg/b.py", "pkg/c.py"}
    assert graph.imported_by({"pkg/a.py"}) == {"pkg/a.py", "pkg/b.py", "pkg/c.py", "pkg/__init__.py"}


def _parsed_imports(path: str, text: str) -> set[str]:
    """The same names from a real parse, for comparison."""
    from vulnhound.engine.modules import module_name

    name, is_package = module_name(path)
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if base:
                found.add(base)
            found.update(f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*")
    return found


def test_imports_found_by_text_include_every_parsed_import() -> None:
    """The text scan may find more (safe), never less, than a parse: on this project's own code
    and on tricky forms written here."""
    tricky = (
        "import a, b.c as d\ntry: import e\nexcept ImportError: pass\nif x: from f import g; import h\n"
        "from i import (  # comment\n    j,  # k\n    l as m,\n)\nfrom n.o import p, \\\n    q\n"
        "def f():\n    import r.s\n    from .t import u\n"
    )
    assert _parsed_imports("pkg/mod.py", tricky) <= set(imported_names("pkg/mod.py", tricky))
    package = Path(vulnhound.__file__).parent
    for path in package.rglob("*.py"):
        relative = path.relative_to(package.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        assert _parsed_imports(relative, text) <= set(imported_names(relative, text)), relative


def test_a_sink_two_modules_reach_keeps_its_finding_when_one_route_is_closed(
    tmp_path: Path, cache_dir: Path
) -> None:
    """The finding at a shared sink shows one route (a.py) and lists the other (b.py). Closing
    a.py's route must not lose the finding: b.py still reaches the sink."""
    files = {
        "app/__init__.py": "",
        "app/db.py": "import sqlite3\n\n\ndef run_query(q):\n    return sqlite3.connect('x').execute(q)\n",
        "app/a.py": (
            "from flask import Flask, request\nfrom app.db import run_query\n\napp = Flask(__name__)\n\n\n"
            "@app.route('/a')\ndef a():\n    return str(run_query('SELECT ' + request.args['a']))\n"
        ),
        "app/b.py": (
            "from flask import Flask, request\nfrom app.db import run_query\n\napp = Flask(__name__)\n\n\n"
            "@app.route('/b')\ndef b():\n    return str(run_query('SELECT ' + request.args['b']))\n"
        ),
        **{f"app/other_{n}.py": f"def g{n}(x):\n    return x\n" for n in range(8)},
    }
    for name, text in files.items():
        (tmp_path / "p" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "p" / name).write_text(text)
    root = tmp_path / "p"
    first = vulnhound.scan([root], Config())
    assert [f.location.path for f in first.findings if f.rule_id == "py/sql-injection"] == ["app/db.py"]
    for route in ("a", "b"):  # close each route in turn, the cache warm from the scan before
        (root / "app" / f"{route}.py").write_text(
            files[f"app/{route}.py"].replace(f"request.args['{route}']", "'1'")
        )
        cached = vulnhound.scan([root], Config())
        fresh = vulnhound.scan([root], Config(cache=False))
        assert _identity(cached) == _identity(fresh), route
        (root / "app" / f"{route}.py").write_text(files[f"app/{route}.py"])
        vulnhound.scan([root], Config())
