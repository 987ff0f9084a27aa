"""Static quality gates: mypy --strict (config in pyproject.toml) and ruff, run as in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    assert path.is_file(), f"{name} is not installed next to {sys.executable} (pip install -e '.[test]')"
    return str(path)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_mypy_strict() -> None:
    proc = _run(_tool("mypy"), "--no-error-summary")
    assert proc.returncode == 0, f"mypy failed:\n{proc.stdout}{proc.stderr}"


def test_ruff_check() -> None:
    proc = _run(_tool("ruff"), "check", "--no-cache", "src", "tests")
    assert proc.returncode == 0, f"ruff failed:\n{proc.stdout}{proc.stderr}"
