"""Diff scans with real git: only findings a change brings, whole-program taint, model work on
changed units only, clear errors for a missing base."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitrepo import ADMIN, commit_all, git, make_repo, shallow_clone, write
from vulnhound.gitdiff import parse_unified_diff

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True, check=False).returncode != 0,
    reason="git is not installed",
)

VIEWS = """\
import sqlite3
import subprocess

from flask import Flask, request

from shop.helpers import clean_name

app = Flask(__name__)


def run(command):
    return subprocess.check_output(command, shell=True)


@app.route("/legacy")
def legacy():
    return run(request.args["cmd"])


@app.route("/report")
def report():
    db = sqlite3.connect("shop.db")
    return str(db.execute("SELECT * FROM t WHERE id = " + request.args["id"]).fetchall())


@app.route("/greet")
def greet():
    name = clean_name(request.args["name"])
    return subprocess.check_output("echo " + name, shell=True).decode()
"""

HELPERS = """\
import shlex


def clean_name(value):
    return shlex.quote(value)
"""


def findings(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    doc = json.loads(done.stdout)
    return [f for f in doc["findings"] if not f["suppressed"]]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "shop-repo",
        {"shop/__init__.py": "", "shop/views.py": VIEWS, "shop/helpers.py": HELPERS, "README.md": "shop\n"},
    )


def test_a_branch_with_one_new_vulnerability_reports_exactly_it(shop: Path, cli: Any) -> None:
    """Old vulnerabilities stay out, even where the branch moved them (within a file and to
    another file); the one the branch adds is the only finding."""
    git(shop, "checkout", "-q", "-b", "feature")
    views = VIEWS.replace("import sqlite3\n", "import sqlite3\n\n# reorganised\n\n\n")
    # the legacy route moves to another module, unchanged
    legacy = views[views.index('@app.route("/legacy")') : views.index('@app.route("/report")')]
    views = views.replace(legacy, "")
    moved = "from shop.views import app, run, request\n\n\n" + legacy
    new_route = (
        '\n\n@app.route("/export")\n'
        "def export():\n"
        '    target = request.args["to"]\n'
        '    return run("tar czf " + target + " /srv/data")\n'
    )
    write(shop, {"shop/views.py": views + new_route, "shop/legacy.py": moved})
    commit_all(shop)

    everything = cli("scan", shop, "-f", "json")
    assert len(findings(everything)) >= 2, everything.stdout  # the old ones are still there
    done = cli("scan", shop, "--diff", "main", "-f", "json")
    assert done.returncode == 1, done.stderr
    reported = findings(done)
    assert len(reported) == 1, reported
    (only,) = reported
    assert only["rule_id"] == "py/command-injection"
    assert only["flow"][0]["location"]["path"] == "shop/views.py"
    source_line = views.count("\n") + new_route[: new_route.index("target =")].count("\n") + 1
    assert only["flow"][0]["location"]["start_line"] == source_line
    doc = json.loads(done.stdout)
    assert doc["diff"]["base"].startswith("main")
    assert doc["diff"]["left_out"] >= 1  # the SQL injection


def test_a_new_route_into_an_old_sink_is_new(shop: Path, cli: Any) -> None:
    """Same sink line, same fingerprint as before; a new source reaches it through the change."""
    git(shop, "checkout", "-q", "-b", "feature")
    write(
        shop,
        {
            "shop/views.py": VIEWS
            + '\n\n@app.route("/ping")\ndef ping():\n    return run("ping " + request.args["h"])\n'
        },
    )
    commit_all(shop)
    reported = findings(cli("scan", shop, "--diff", "main", "-f", "json"))
    assert [f["rule_id"] for f in reported] == ["py/command-injection"]
    steps = reported[0]["flow"]
    assert steps[0]["location"]["start_line"] == VIEWS.count("\n") + 5  # the new route's source
    assert steps[-1]["location"]["start_line"] == 12  # the old sink in run()


def test_a_sanitiser_removed_in_another_file_reports_the_untouched_sink(shop: Path, cli: Any) -> None:
    """Whole-program taint: the change is in helpers.py, the sink in an unchanged view that
    calls the changed helper."""
    assert not [f for f in findings(cli("scan", shop, "-f", "json")) if f["context"] == "greet"]
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/helpers.py": HELPERS.replace("return shlex.quote(value)", "return value.strip()")})
    commit_all(shop)
    reported = findings(cli("scan", shop, "--diff", "main", "-f", "json"))
    assert [(f["rule_id"], f["context"]) for f in reported] == [("py/command-injection", "greet")]


def test_only_changed_lines_of_unchanged_old_code_are_quiet(shop: Path, cli: Any) -> None:
    """Editing a line near an old vulnerability (same function) does not make it new."""
    git(shop, "checkout", "-q", "-b", "feature")
    write(
        shop,
        {
            "shop/views.py": VIEWS.replace(
                'db = sqlite3.connect("shop.db")', 'db = sqlite3.connect("shop2.db")'
            )
        },
    )
    commit_all(shop)
    done = cli("scan", shop, "--diff", "main", "-f", "json")
    assert done.returncode == 0, done.stdout
    assert findings(done) == []
    assert json.loads(done.stdout)["diff"]["left_out"] >= 1


def test_uncommitted_and_untracked_work_counts(shop: Path, cli: Any) -> None:
    write(shop, {"shop/admin.py": ADMIN})  # untracked, not ignored
    reported = findings(cli("scan", shop, "--diff", "main", "-f", "json"))
    assert [(f["location"]["path"], f["rule_id"]) for f in reported] == [
        ("shop/admin.py", "py/command-injection")
    ]
    write(shop, {".gitignore": "shop/admin.py\n"})  # ignored files are no part of the change
    assert findings(cli("scan", shop, "--diff", "main", "--no-gitignore", "-f", "json")) == []


def test_a_subdirectory_scan_keeps_its_own_paths(shop: Path, cli: Any) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/admin.py": ADMIN})
    commit_all(shop)
    done = cli("scan", "shop", "--diff", "main", "-f", "json", cwd=shop)
    assert [f["location"]["path"] for f in findings(done)] == ["admin.py"]
    sarif = json.loads(cli("scan", "shop", "--diff", "main", "-f", "sarif", cwd=shop).stdout)
    results = sarif["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "shop/admin.py"
    ]
    assert sarif["runs"][0]["properties"]["diff"]["base"].startswith("main")


def test_diff_staged_sees_the_index(shop: Path, cli: Any) -> None:
    write(shop, {"shop/admin.py": ADMIN})
    assert findings(cli("scan", shop, "--diff-staged", "-f", "json")) == []  # not staged yet
    git(shop, "add", "shop/admin.py")
    done = cli("scan", shop, "--diff-staged", "-f", "json")
    assert [f["location"]["path"] for f in findings(done)] == ["shop/admin.py"]
    assert json.loads(done.stdout)["diff"]["base"] == "staged changes"


def test_diff_staged_before_the_first_commit(tmp_path: Path, cli: Any) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {"admin.py": ADMIN})
    git(repo, "add", "-A")
    done = cli("scan", repo, "--diff-staged", "-f", "json")
    assert [f["rule_id"] for f in findings(done)] == ["py/command-injection"]


def test_a_base_missing_from_a_shallow_clone_is_a_clear_error(shop: Path, tmp_path: Path, cli: Any) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/admin.py": ADMIN})
    commit_all(shop)
    git(shop, "checkout", "-q", "main")
    write(shop, {"README.md": "moved on\n"})
    commit_all(shop, "main moves on")
    clone = tmp_path / "shallow"
    shallow_clone(shop, "feature", clone)
    done = cli("scan", clone, "--diff", "main", cwd=clone)
    assert done.returncode == 2
    assert "revision 'main' is not in the repository" in done.stderr
    assert "shallow clone" in done.stderr and "git fetch" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_uses_are_usage_errors(shop: Path, tmp_path: Path, cli: Any) -> None:
    plain = tmp_path / "plain"
    write(plain, {"a.py": "x = 1\n"})
    done = cli("scan", plain, "--diff", "main")
    assert done.returncode == 2 and "needs a git repository" in done.stderr
    both = cli("scan", shop, "--diff", "main", "--diff-staged")
    assert both.returncode == 2 and "not allowed with" in both.stderr
    option = cli("scan", shop, "--diff=--output=/tmp/x")
    assert option.returncode == 2 and "is not a git revision" in option.stderr


def test_a_hostile_base_cannot_write_outside_the_export(shop: Path, tmp_path: Path, cli: Any) -> None:
    """A symbolic link committed at the base is not followed when the old tree is exported."""
    outside = tmp_path / "outside"
    outside.mkdir()
    git(shop, "checkout", "-q", "-b", "evil-base")
    (shop / "shop" / "escape").symlink_to(outside, target_is_directory=True)
    commit_all(shop, "link")
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/admin.py": ADMIN})
    commit_all(shop)
    done = cli("scan", shop, "--diff", "evil-base", "-f", "json")
    assert done.returncode == 1, done.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ("+++ b/a.py\n@@ -1,0 +2,3 @@\n", {"a.py": {2, 3, 4}}),
        ("+++ b/a.py\n@@ -5,2 +4,0 @@\n", {"a.py": {4, 5}}),  # a deletion: the lines around it
        ("+++ b/a.py\n@@ -3 +3 @@\n", {"a.py": {3}}),
        ('+++ "b/caf\\303\\251 x.py"\n@@ -0,0 +1 @@\n', {"café x.py": {1}}),
        ("+++ /dev/null\n@@ -1,2 +0,0 @@\n", {}),  # a deleted file has no new lines
        ("+++ b/a.py\n@@ -1 +1 @@\n+++ b/b.py\n@@ -0,0 +1,2 @@\n", {"a.py": {1}, "b.py": {1, 2}}),
    ],
)
def test_unified_diff_lines(diff: str, expected: dict[str, set[int]]) -> None:
    assert {k: set(v) for k, v in parse_unified_diff(diff).items()} == expected


def test_every_report_says_it_is_a_diff_scan(shop: Path, tmp_path: Path, cli: Any) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/admin.py": ADMIN})
    commit_all(shop)
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    done = cli("scan", shop, "--diff", "main", "--markdown-output", md, "--html-output", page)
    assert done.returncode == 1
    assert "old or outside the change (diff against main (" in " ".join(done.stdout.split())
    assert "Old or outside the change (diff against main (" in md.read_text()
    assert "Diff scan against main (" in page.read_text()
    full = cli("scan", shop, "--markdown-output", md)
    assert "diff against" not in full.stdout and "diff against" not in md.read_text()
