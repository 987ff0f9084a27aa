"""The pre-commit hook: its entry, run the way pre-commit runs it (the staged file names
appended), blocks a commit that adds a vulnerability and lets a clean one through."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from gitrepo import ADMIN, git, make_repo, write

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"


def _run(entry: str, files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(entry)
    assert argv[0] == "vulnhound"
    command = [sys.executable, "-m", "vulnhound", *argv[1:], *files]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_hook_blocks_a_staged_vulnerability_and_passes_clean_files(tmp_path: Path) -> None:
    hook = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]
    assert hook["id"] == "vulnhound" and hook["language"] == "python" and hook["pass_filenames"] is True
    assert "--offline" in hook["entry"]  # a commit hook never talks to a model
    (tmp_path / "app.py").write_text(
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "@app.route('/r')\ndef r():\n    os.system('ls ' + request.args['d'])\n    return ''\n",
        encoding="utf-8",
    )
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    blocked = _run(hook["entry"], ["app.py", "util.py"], tmp_path)
    assert blocked.returncode == 1 and "py/command-injection" in blocked.stdout, blocked.stderr
    clean = _run(hook["entry"], ["util.py", "notes.md"], tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_the_diff_hook_blocks_only_what_the_commit_brings(tmp_path: Path) -> None:
    """Whole program analysed, findings limited to the staged change: an old vulnerability in
    the repository does not block an unrelated commit; a staged new one does."""
    hook = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}["vulnhound-diff"]
    assert hook["pass_filenames"] is False and "--offline" in hook["entry"]
    old = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n" + (
        "@app.route('/r')\ndef r():\n    os.system('ls ' + request.args['d'])\n    return ''\n"
    )
    repo = make_repo(tmp_path / "repo", {"app.py": old, "util.py": "def add(a, b):\n    return a + b\n"})
    write(repo, {"util.py": "def add(a, b):\n    return b + a\n"})
    git(repo, "add", "util.py")
    assert _run(hook["entry"], [], repo).returncode == 0  # the old finding in app.py does not block
    write(repo, {"admin.py": ADMIN})
    git(repo, "add", "admin.py")
    blocked = _run(hook["entry"], [], repo)
    assert blocked.returncode == 1 and "admin.py" in blocked.stdout and "app.py:" not in blocked.stdout
