"""action.yml: a composite action whose scan step, run as GitHub runs it (bash, inputs through
the environment), writes the SARIF, markdown and text reports and records the scan's exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def _steps() -> dict[str, dict[str, object]]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    return {str(step.get("id") or step.get("name")): step for step in action["runs"]["steps"]}


def _scan(tmp_path: Path, path: str, args: str = "") -> tuple[str, Path]:
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
    }
    done = subprocess.run(
        ["bash", "-e", "-c", str(step["run"])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # the step itself succeeds; the Result step fails the job
    return output.read_text(encoding="utf-8"), tmp_path


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
