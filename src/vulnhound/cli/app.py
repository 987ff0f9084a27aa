"""Argument parsing and dispatch to subcommands. Each subcommand lives in its own module
with ``register(subparsers)``; this module only wires them together."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from vulnhound import __version__
from vulnhound.errors import VulnhoundError
from vulnhound.result import ExitCode

SUBCOMMANDS = (
    "vulnhound.cli.scan_cmd",
    "vulnhound.cli.baseline_cmd",
    "vulnhound.cli.rules_cmd",
    "vulnhound.cli.audit_cmd",
    "vulnhound.cli.models_cmd",
    "vulnhound.cli.bench_cmd",
    "vulnhound.cli.specs_cmd",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"vulnhound: error: {message}\n")
        raise SystemExit(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vulnhound", description="Find vulnerabilities in source code.")
    parser.add_argument("--version", action="version", version=f"vulnhound {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in SUBCOMMANDS:
        import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        code: int = args.func(args)
        return code
    except VulnhoundError as exc:
        sys.stderr.write(f"vulnhound: error: {exc}\n")
        return ExitCode.USAGE
    except KeyboardInterrupt:
        sys.stderr.write("vulnhound: interrupted\n")
        return 130
    except BrokenPipeError:
        return ExitCode.CLEAN
