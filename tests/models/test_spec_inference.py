"""Spec inference end to end: a project runs its SQL through its own wrapper of a driver the
rules do not know. The engine alone misses the injection; after `specs infer` (a scripted
model on a loopback server, which never receives a function body) the engine reports it with
no model configured, and the output says the labels were read."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from vulnhound.engine.spec import build_spec
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile
from vulnhound.specs.candidates import find_candidates

from .servers import ScriptedServer

DB = '''\
"""Data access for the shop."""
import fastdb

_POOL = fastdb.Pool("shop")


def run_query(sql):
    """Run one statement on the shop database and return the rows."""
    audit_marker = "BODY-LINE-NEVER-SENT"
    connection = _POOL.acquire()
    rows = fastdb.submit(connection, sql)
    _POOL.release(connection)
    return rows


def slugify(text):
    return fastdb.helpers.slug(text)
'''

VIEWS = """\
from flask import Flask, request

from shop.db import run_query, slugify

app = Flask(__name__)


@app.route("/items")
def items():
    name = request.args["name"]
    return str(run_query("SELECT * FROM items WHERE name = '" + name + "'"))


@app.route("/slug")
def slug():
    return slugify(request.args["t"])
"""

FILES = {"shop/__init__.py": "", "shop/db.py": DB, "shop/views.py": VIEWS}


def _label(prompt: str) -> dict[str, Any]:
    """A model that knows fastdb: execute runs SQL (argument 1), the wrapper too (argument 0)."""
    name = re.search(r"`([^`]+)`", prompt)
    api = name.group(1) if name else ""
    base = {"clears": [], "confidence": 0.8, "kind": "", "argument": -1}
    if api == "fastdb.submit":
        return {**base, "role": "sink", "kind": "sql", "argument": 1, "reason": "runs the SQL text"}
    if api == "shop.db.run_query":
        return {**base, "role": "sink", "kind": "sql", "argument": 0, "reason": "wraps fastdb.submit"}
    if api == "fastdb.helpers.slug":
        return {**base, "role": "sanitizer", "clears": ["xss", "sql", "unknown-kind"], "reason": "a-z only"}
    return {**base, "role": "none", "reason": "not data-related"}


def _config(url: str) -> str:
    return (
        f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\n'
        'zone = "local"\ntimeout_s = 5\n'
    )


def _sql(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in doc["findings"]
        if "CWE-89" in f["cwe"]
    )


def test_candidates_are_unknown_external_calls_and_their_wrappers() -> None:
    files = [SourceFile(p, p, "python", t) for p, t in FILES.items()]
    rules = RuleCatalog.load([]).for_analyzer("engine")
    found = {c.name: c for c in find_candidates(files, build_spec(rules))}
    # fastdb.Pool("shop") has only constants; _POOL.acquire() is a method of an unknown object
    assert set(found) == {"fastdb.submit", "fastdb.helpers.slug", "shop.db.run_query", "shop.db.slugify"}
    wrapper = found["shop.db.run_query"]
    assert wrapper.kind == "wrapper" and wrapper.wraps == ["fastdb.submit"]
    assert wrapper.signature == "def run_query(sql)" and "shop database" in wrapper.docstring
    assert wrapper.site is not None and wrapper.site.path == "shop/views.py"
    site = found["fastdb.submit"].site
    assert site is not None and site.line == 11 and len(site.text) == 3


def test_inferred_sink_lets_the_engine_find_the_injection_without_a_model(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", _label) as server:
        root = write_tree(tmp_path / "repo", {**FILES, "vulnhound.toml": _config(server.url)})
        before = cli("scan", root, "-f", "json")
        ledger = tmp_path / "ledger.jsonl"
        inferred = cli("specs", "infer", root, "--model", "m", "--no-cache", "--ledger", ledger)
        prompts = server.prompts()
    assert before.returncode == 1, before.stderr  # the engine alone: the rows echoed are XSS
    assert _sql(json.loads(before.stdout)) == []  # but no SQL injection
    assert inferred.returncode == 0, inferred.stderr
    assert "4 API(s) asked" in inferred.stderr and "2 sink(s)" in inferred.stderr
    # no function body went out: the wrapper's body line never appears, its signature does
    assert prompts and not any("BODY-LINE-NEVER-SENT" in p for p in prompts)
    assert any("def run_query(sql)" in p for p in prompts)
    specs = root / ".vulnhound" / "specs.toml"
    doc = tomllib.loads(specs.read_text(encoding="utf-8"))
    sinks = [s for rule in doc["rule"] for s in rule["sink"]]
    assert sorted(s["calls"][0] for s in sinks) == ["fastdb.submit", "shop.db.run_query"]
    assert all(s["inferred"]["model"] == "m" and s["inferred"]["seen"].startswith("sha256:") for s in sinks)
    assert doc["sanitizer"][0]["clears"] == ["xss", "sql"]  # the unknown kind is dropped
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    assert sum(1 for e in entries if e["purpose"] == "specs" and e["decision"] == "sent") == 4
    # the model's configuration is gone: the scan reads the labels with no model at all
    (root / "vulnhound.toml").unlink()
    after = cli("scan", root, "-f", "json")
    assert after.returncode == 1, after.stderr
    result = json.loads(after.stdout)
    assert ("spec/sql-injection", "shop/views.py", 11) in _sql(result)
    assert any("model-inferred API labels" in note for note in result["notes"])
    xss = sorted(
        f["location"]["start_line"] for f in result["findings"] if f["rule_id"] == "py/reflected-xss"
    )
    was = [
        f["location"]["start_line"]
        for f in json.loads(before.stdout)["findings"]
        if f["rule_id"] == "py/reflected-xss"
    ]
    assert 16 in was and 16 not in xss  # slugify's driver call is a labelled sanitizer now
    ignored = cli(
        "scan",
        root,
        "-f",
        "json",
        "--config",
        write_tree(tmp_path / "c", {"v.toml": "use_inferred_specs = false\n"}) / "v.toml",
    )
    assert _sql(json.loads(ignored.stdout)) == []


def test_plan_lists_the_requests_and_writes_no_file(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    with ScriptedServer("openai", _label) as server:
        root = write_tree(tmp_path / "repo", {**FILES, "vulnhound.toml": _config(server.url)})
        planned = cli("specs", "infer", root, "--model", "m", "--plan", "-o", tmp_path / "plan.json")
        assert server.count == 0
    assert planned.returncode == 0, planned.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["totals"]["requests"] == 4
    assert sorted(u["unit_id"] for u in plan["units"] if u["purpose"] == "specs") == [
        "fastdb.helpers.slug", "fastdb.submit", "shop.db.run_query", "shop.db.slugify",
    ]  # fmt: skip
    assert not (root / ".vulnhound" / "specs.toml").exists()


def test_scan_with_infer_specs_labels_then_scans_in_one_run(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", _label) as server:
        root = write_tree(tmp_path / "repo", {**FILES, "vulnhound.toml": _config(server.url)})
        done = cli("scan", root, "--model", "m", "--infer-specs", "--no-cache", "-f", "json")
        assert server.count == 4
    assert done.returncode == 1, done.stderr
    assert "labelled" in done.stderr and (root / ".vulnhound" / "specs.toml").is_file()
    assert ("spec/sql-injection", "shop/views.py", 11) in _sql(json.loads(done.stdout))
    alone = cli("scan", root, "--infer-specs")  # no --model: a usage error, nothing written
    assert alone.returncode == 2 and "--infer-specs needs at least one --model" in alone.stderr
    with ScriptedServer("openai", _label) as server:
        (root / "vulnhound.toml").write_text(_config(server.url))
        capped = cli("scan", root, "--model", "m", "--infer-specs", "--infer-specs-max", "1", "--no-cache")
        assert server.count == 1  # the most I/O-like API only
    assert "3 more left out (at most 1 asked)" in capped.stderr
    bad = cli("scan", root, "--model", "m", "--hunt", "--infer-specs-max", "2")
    assert bad.returncode == 2 and "--infer-specs-max needs --infer-specs" in bad.stderr
