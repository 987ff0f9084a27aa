"""What a benchmark records about where and on what it ran: the machine and the commit."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def machine(memory: bool = False) -> str:
    """Cores and CPU model, (optionally) RAM, Python version and OS, in one line."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    if memory:
        try:
            pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
            mem = f", {pages * size / 2**30:.0f} GiB RAM"
        except (OSError, ValueError):
            pass
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}){mem}, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def git_head(repo: Path) -> tuple[str, bool]:
    """HEAD's short hash and whether src/ has uncommitted changes (they were measured too)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown", False
    return head.stdout.strip() or "unknown", bool(dirty.stdout.strip())
