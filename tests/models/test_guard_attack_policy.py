"""Attacks on the zone policy, through the real CLI and a real loopback model server.

The policy says ``restricted/**`` may reach only ``local``; the model is ``foreign-cloud``.
Whatever the scan target (the restricted directory itself, one file in it, a path through
``..``, a link to it, the working directory inside it) and however the walk reaches the
code (links with the real path excluded or git-ignored), no restricted line may reach the
server, and the ledger names each file by its real path in the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .servers import ScriptedServer, hunting_brain

MARKER = "RESTRICTED-CANARY-77a1"

VIEWS = """import sqlite3

from flask import Flask

from restricted.helpers import build_query

app = Flask(__name__)


@app.route("/search")
def search():
    db = sqlite3.connect("shop.db")
    return db.execute(build_query()).fetchall()
"""

HELPERS = f"""from flask import request

MARK = "{MARKER}"


def build_query():
    # {MARKER} proprietary ranking
    term = request.args["q"]
    prefix = "SELECT * FROM items WHERE name = '"
    return prefix + term + "'"
"""

CORE = f"""import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/run")
def run():
    tag = "{MARKER}"
    os.system(request.args["cmd"])
    return tag
"""

POLICY = """
[policy]
zones = ["local", "private-cloud", "foreign-cloud"]
[policy.classes.restricted]
paths = ["restricted/**"]
max_zone = "local"
"""


def _repo(tmp_path: Path, write_tree: Any, url: str, extra: dict[str, str] | None = None) -> Path:
    model = (
        f'[[models]]\nname = "cloud"\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\n'
        'zone = "foreign-cloud"\ntimeout_s = 5\nmax_retries = 0\n'
    )
    files = {
        "vulnhound.toml": model + POLICY,
        "app/__init__.py": "",
        "app/views.py": VIEWS,
        "restricted/__init__.py": "",
        "restricted/helpers.py": HELPERS,
        "restricted/core.py": CORE,
        **(extra or {}),
    }
    return write_tree(tmp_path / "repo", files)


def _link(root: Path, link: str, target: str) -> None:
    path = root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _ledger(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# (name, extra files, symlinks (link, target), cwd relative to the repo, scan arguments)
ATTACKS = [
    ("the restricted directory", {}, [], ".", ["restricted"]),
    ("one restricted file", {}, [], ".", ["restricted/core.py"]),
    ("a path through ..", {}, [], ".", ["app/../restricted"]),
    ("working directory inside", {}, [], "restricted", ["."]),
    (
        "a file link, real path excluded",
        {},
        [("app/core.py", "../restricted/core.py")],
        ".",
        [".", "--exclude", "restricted/**"],
    ),
    (
        "a file link, real path git-ignored",
        {".gitignore": "restricted/\n"},
        [("app/core.py", "../restricted/core.py")],
        ".",
        ["."],
    ),
    (
        "a directory link, real path excluded",
        {},
        [("app/lib", "../restricted")],
        ".",
        [".", "--exclude", "restricted/**"],
    ),
    ("a directory link from inside", {}, [("app/lib", "../restricted")], "app", [".", "../restricted"]),
    ("a link scanned as the target", {}, [("app/core.py", "../restricted/core.py")], ".", ["app/core.py"]),
]


@pytest.mark.parametrize(("name", "extra", "links", "cwd", "args"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_no_restricted_line_reaches_a_foreign_model(
    tmp_path: Path,
    write_tree: Any,
    cli: Any,
    name: str,
    extra: dict[str, str],
    links: list[tuple[str, str]],
    cwd: str,
    args: list[str],
) -> None:
    brain = hunting_brain({"os.system": "CWE-78", "execute(": "CWE-89"})
    with ScriptedServer("openai", brain) as server:
        root = _repo(tmp_path, write_tree, server.url, extra)
        for link, target in links:
            _link(root, link, target)
        ledger = tmp_path / "ledger.jsonl"
        done = cli(
            "scan",
            *args,
            "--model",
            "cloud",
            "--hunt",
            "--triage",
            "--ledger",
            ledger,
            "-f",
            "json",
            cwd=root / cwd,
        )
    assert done.returncode in (0, 1), done.stderr
    wire = b"\n".join(server.raw).decode("utf-8")
    assert MARKER not in wire and "proprietary ranking" not in wire, name
    entries = _ledger(ledger)
    blocked = [f["path"] for e in entries if e["decision"] == "blocked" for f in e["files"]]
    assert blocked and all(p.startswith("restricted/") for p in blocked), blocked
    sent = [f["path"] for e in entries if e["decision"] == "sent" for f in e["files"]]
    assert not any(p.startswith("restricted/") for p in sent), sent
    doc = json.loads(done.stdout)
    assert any(s["reason"] == "policy" for s in doc["skipped"])


def test_triage_leaves_restricted_context_out_and_says_so(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    """A finding in allowed code whose taint path starts in restricted code is judged on the
    allowed code alone: no restricted block, no restricted taint step, and the ledger lists
    only what was sent."""
    prompts: list[str] = []

    def brain(prompt: str) -> dict[str, Any]:
        prompts.append(prompt)
        return {"verdict": "true_positive", "rationale": "reachable", "confidence": 0.9}

    with ScriptedServer("openai", brain) as server:
        root = _repo(tmp_path, write_tree, server.url)
        ledger = tmp_path / "ledger.jsonl"
        done = cli("scan", ".", "--model", "cloud", "--triage", "--ledger", ledger, "-f", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    wire = b"\n".join(server.raw).decode("utf-8")
    assert MARKER not in wire and "restricted/helpers.py" not in wire
    views = [p for p in prompts if "app/views.py" in p]
    assert views and "withheld by the data policy" in views[0]
    doc = json.loads(done.stdout)
    judged = [f for f in doc["findings"] if f["location"]["path"] == "app/views.py"]
    assert judged and judged[0]["triage"]["verdict"] == "true_positive"
    for entry in _ledger(ledger):
        if entry["decision"] == "sent":
            assert [f["path"] for f in entry["files"]] == ["app/views.py"]


def test_policy_paths_are_relative_to_the_policy_file_not_the_scan(tmp_path: Path) -> None:
    from vulnhound.config import load_config
    from vulnhound.guard.door import Guard
    from vulnhound.scanner import read_files

    root = tmp_path / "repo"
    (root / "restricted" / "deep").mkdir(parents=True)
    (root / "vulnhound.toml").write_text(POLICY, encoding="utf-8")
    (root / "restricted" / "deep" / "x.py").write_text("x = 1\n", encoding="utf-8")
    target = root / "restricted" / "deep"
    config = load_config(target)
    walk_root, files, _ = read_files([target], config)
    guard = Guard.from_config(config, walk_root, tmp_path / "l.jsonl", prime=files)
    assert files[0].path == "x.py"  # the scan names it from its own root...
    assert guard.repo_path("x.py") == "restricted/deep/x.py"  # ...the policy from the repository's
    assert not guard.permits("x.py", "foreign-cloud") and guard.permits("x.py", "local")
