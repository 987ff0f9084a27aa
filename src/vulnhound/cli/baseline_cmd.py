"""``vulnhound baseline create``: record today's findings so CI reports only new ones."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vulnhound.baseline import baseline_document
from vulnhound.cli.common import add_scan_options, config_from, inform, run_scan
from vulnhound.output import write_atomic
from vulnhound.result import ExitCode


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "baseline", help="manage baselines of accepted findings"
    )
    actions = parser.add_subparsers(dest="baseline_command", metavar="ACTION", parser_class=type(parser))
    create = actions.add_parser("create", help="scan and write every current finding to a baseline file")
    add_scan_options(create)
    create.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="baseline file to write"
    )
    create.set_defaults(func=run_create)
    parser.set_defaults(func=lambda _args: _missing_action(parser))


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return ExitCode.USAGE


def run_create(args: argparse.Namespace) -> int:
    # A baseline records every current finding: one configured for scans must not filter it.
    config = config_from(args).replace(baseline=None)
    result = run_scan(args, config)
    document = baseline_document(result.findings, result.tool_version)
    write_atomic(args.output, json.dumps(document, indent=2, sort_keys=True) + "\n")
    inform(args, f"vulnhound: wrote {len(document['findings'])} finding(s) to {args.output}")
    return ExitCode.CLEAN
