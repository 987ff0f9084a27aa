"""Run the engine over small inline programs written to a temporary directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

from vulnhound.config import Config
from vulnhound.findings import Finding
from vulnhound.result import ScanResult
from vulnhound.scanner import scan


def scan_files(tmp_path: Path, files: dict[str, str], **config: object) -> ScanResult:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    settings = {"analyzers": ("engine",), "respect_gitignore": False, **config}
    return scan([tmp_path], Config(**settings))  # type: ignore[arg-type]


def findings(tmp_path: Path, code: str, **config: object) -> list[Finding]:
    return list(scan_files(tmp_path, {"app.py": code}, **config).findings)


def rules(tmp_path: Path, code: str, **config: object) -> set[str]:
    return {f.rule_id for f in findings(tmp_path, code, **config)}
