"""``vulnhound rules``: list every rule with its id, CWE, severity and description."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vulnhound.config import load_config
from vulnhound.result import ExitCode
from vulnhound.rules.catalog import RuleCatalog


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("rules", help="list the rules")
    parser.add_argument("--config", type=Path, help="configuration file (adds its rule files)")
    parser.add_argument(
        "--rules", dest="rule_files", action="append", metavar="FILE", help="extra rule file (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(Path.cwd(), config_file=args.config, overrides={"rule_files": args.rule_files})
    catalog = RuleCatalog.load(Path(p) for p in config.rule_files)
    rows = [
        {
            "id": r.id,
            "cwe": list(r.cwe),
            "severity": r.severity.value,
            "confidence": r.confidence.value,
            "analyzer": r.analyzer,
            "description": r.short_description,
        }
        for r in catalog
    ]
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return ExitCode.CLEAN
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, box=None, pad_edge=False)
    for column in ("id", "cwe", "severity", "analyzer"):
        table.add_column(column, no_wrap=True)  # ids must stay copyable for suppressions
    table.add_column("description", overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            ", ".join(row["cwe"]),
            *(str(row[k]) for k in ("severity", "analyzer", "description")),
        )
    console = Console()
    if console.is_terminal:
        console.print(table)
        return ExitCode.CLEAN
    plain = Console(width=160, color_system=None)  # pipes and files: one rule per line where it fits
    with plain.capture() as captured:
        plain.print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    return ExitCode.CLEAN
