"""Shared fixtures: run the real CLI in a subprocess, and write small file trees."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SHOP = REPO_ROOT / "examples" / "shop"

RunCli = Callable[..., "subprocess.CompletedProcess[str]"]
WriteTree = Callable[[Path, Mapping[str, str | bytes]], Path]


@pytest.fixture
def cli(tmp_path: Path) -> RunCli:
    """``cli("scan", DIR, cwd=..., env={...})`` runs ``python -m vulnhound`` and returns the result.

    ``VULNHOUND_*`` variables of the outer environment are dropped so tests see only their own,
    except the cache folder, which the session keeps out of the user's home (see below).
    """

    def run(
        *args: str | Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("VULNHOUND_") or k == "VULNHOUND_CACHE_DIR"
        }
        environ.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "vulnhound", *map(str, args)],
            cwd=cwd or tmp_path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


def _write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def write_tree() -> WriteTree:
    """``write_tree(root, {"a/b.py": "text", "c.bin": b"..."})`` creates the files and returns root."""
    return _write_tree


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Scan results, signing keys and model weights cached by the tests go to a folder of the
    session, not the user's ~/.cache (each xdist worker has its own)."""
    before = os.environ.get("VULNHOUND_CACHE_DIR")
    os.environ["VULNHOUND_CACHE_DIR"] = str(tmp_path_factory.mktemp("vulnhound-cache"))
    yield
    if before is None:
        os.environ.pop("VULNHOUND_CACHE_DIR", None)
    else:
        os.environ["VULNHOUND_CACHE_DIR"] = before
