"""Library code never imports the CLI: the CLI and the benchmark share the library's setup."""

from __future__ import annotations

import ast
from pathlib import Path

import vulnhound

PACKAGE = Path(vulnhound.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_library_modules_do_not_import_the_cli() -> None:
    offenders = []
    checked = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "cli" or relative.name == "__main__.py":
            continue
        checked += 1
        bad = sorted(n for n in _imports(path) if n == "vulnhound.cli" or n.startswith("vulnhound.cli."))
        if bad:
            offenders.append(f"{relative}: {', '.join(bad)}")
    assert checked > 20  # the walk really saw the package
    assert offenders == []


def test_cli_and_bench_build_models_through_the_library_setup() -> None:
    for module in ("cli/models_cmd.py", "bench/model_runner.py"):
        assert "vulnhound.models.setup" in _imports(PACKAGE / module), module
