"""action.yml: a composite action whose scan step, run as GitHub runs it (bash, inputs through
the environment), writes the SARIF, markdown and text reports and records the scan's exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from gitrepo import ADMIN, GIT_ENV, commit_all, git, make_repo, shallow_clone, write

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def _steps() -> dict[str, dict[str, object]]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    return {str(step.get("id") or step.get("name")): step for step in action["runs"]["steps"]}


def _scan(
    tmp_path: Path, path: str, args: str = "", cwd: Path | None = None, extra: dict[str, str] | None = None
) -> tuple[str, Path]:
    step = _steps()["scan"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "vulnhound"  # the installed console script, as pip would put it on PATH
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vulnhound "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SCAN_PATH": path,
        "FAIL_ON": "high",
        "EXTRA_ARGS": args,
        "GITHUB_OUTPUT": str(output),
        "DIFF": "auto",
        "BASE_REF": "",
        **(extra or {}),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", str(step["run"])],
        cwd=cwd or tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # the step itself succeeds; the Result step fails the job
    return output.read_text(encoding="utf-8"), cwd or tmp_path


def test_the_scan_step_writes_every_report_and_records_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "@app.route('/r')\ndef r():\n    os.system('ls ' + request.args['d'])\n    return ''\n",
        encoding="utf-8",
    )
    recorded, root = _scan(tmp_path, "src", "--min-confidence low")
    assert recorded.strip() == "exit-code=1"
    assert (root / "vulnhound.sarif").is_file() and "py/command-injection" in (
        root / "vulnhound.md"
    ).read_text()
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    (clean_dir / "ok.py").write_text("x = 1\n", encoding="utf-8")
    recorded, _ = _scan(clean_dir, ".")
    assert recorded.strip() == "exit-code=0"


def test_inputs_never_reach_a_script_as_text() -> None:
    for name, step in _steps().items():
        script = str(step.get("run", ""))
        assert "${{" not in script, f"step {name}: an expression pasted into a shell script"


OLD_VIEW = (
    "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    "@app.route('/r')\ndef r():\n    os.system('ls ' + request.args['d'])\n    return ''\n"
)


def test_on_a_pull_request_the_scan_reports_only_what_the_branch_brings(tmp_path: Path) -> None:
    """A shallow checkout of the PR branch, as actions/checkout makes it: the step fetches the
    base branch itself and scans with --diff against it."""
    upstream = make_repo(tmp_path / "upstream", {"app/__init__.py": "", "app/views.py": OLD_VIEW})
    git(upstream, "checkout", "-q", "-b", "feature")
    write(upstream, {"app/admin.py": ADMIN})
    commit_all(upstream, "admin")
    git(upstream, "checkout", "-q", "main")
    write(upstream, {"README.md": "main moved on\n"})
    commit_all(upstream, "main moves")
    work = tmp_path / "work"
    shallow_clone(upstream, "feature", work)
    env = {**GIT_ENV, "BASE_REF": "main"}
    recorded, root = _scan(tmp_path, ".", cwd=work, extra=env)
    assert recorded.strip() == "exit-code=1"
    report = (root / "vulnhound.md").read_text()
    assert "admin.py" in report and "views.py" not in report
    assert "diff against refs/remotes/origin/main (merge base" in report  # the step deepened the clone
    recorded, root = _scan(tmp_path, ".", cwd=work, extra={**env, "DIFF": "false"})
    assert "views.py" in (root / "vulnhound.md").read_text()  # a full scan when asked
