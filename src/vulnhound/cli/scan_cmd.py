"""``vulnhound scan``: scan, report in one or several formats, exit with a CI-friendly code."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from vulnhound.cli.common import add_scan_options, config_from, inform, run_scan
from vulnhound.cli.models_cmd import add_model_options, model_setup, wants_models, write_plan
from vulnhound.findings import Severity
from vulnhound.output import write_atomic
from vulnhound.reporters.registry import FORMATS, ReportOptions, get_reporter
from vulnhound.result import exit_code


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scan", help="scan files or directories for vulnerabilities"
    )
    add_scan_options(parser)
    parser.add_argument(
        "-f",
        "--format",
        choices=sorted(FORMATS),
        default="text",
        help="format of the main output (default: text)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the main output to FILE instead of stdout"
    )
    for name in sorted(FORMATS):
        parser.add_argument(f"--{name}-output", type=Path, metavar="FILE", help=f"also write {name} to FILE")
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        help="exit 1 when a finding is at or above (default: high)",
    )
    parser.add_argument(
        "--fail-on-context",
        dest="fail_on_contexts",
        action="append",
        metavar="CONTEXT[,CONTEXT]",
        help="also count findings in these contexts for --fail-on: test, example, docs or all "
        "(repeatable; default: production code only)",
    )
    parser.add_argument(
        "--strict", action="store_true", default=None, help="exit 3 when some files could not be analysed"
    )
    parser.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline")
    changes = parser.add_mutually_exclusive_group()
    changes.add_argument(
        "--diff",
        metavar="BASE",
        help="report only findings new since git revision BASE (its merge base with HEAD) that touch "
        "changed lines or changed functions; the whole program is still analysed",
    )
    changes.add_argument(
        "--diff-staged",
        action="store_true",
        help="like --diff, for the changes staged for the next commit (pre-commit)",
    )
    parser.add_argument(
        "--report-unused-suppressions",
        action="store_true",
        default=None,
        help="list suppression comments that matched nothing",
    )
    parser.add_argument(
        "--color", choices=["auto", "always", "never"], default="auto", help="colour in text output"
    )
    add_model_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(
        args,
        [
            "fail_on",
            "fail_on_contexts",
            "strict",
            "baseline",
            "report_unused_suppressions",
            "count_unverified",
        ],
    )
    if args.no_cache:
        config = config.replace(cache=False)
    models = wants_models(args)  # nothing model-related exists otherwise
    diff = None
    if args.diff is not None or args.diff_staged:
        from vulnhound.diffscan import changed_code, diff_scope

        diff = diff_scope(args.paths, config, changed_code(args.paths, args.diff, args.diff_staged))
    if models and args.infer_specs:
        from vulnhound.cli.specs_cmd import infer_into

        code, summary = infer_into(args, config, changed=diff.changed if diff else None)
        inform(args, summary)
        if args.plan and not (args.triage or args.hunt):
            return code
        models = bool(args.triage or args.hunt)
    if models:
        setup = model_setup(args, config)
        try:
            usage = setup.run.router.usage if setup.run is not None else None
            result = run_scan(args, config, setup.analyzers, setup.stages, usage, diff)
            if setup.plan:
                write_plan(setup, args.output)
                return 0
        finally:
            setup.close()
    else:
        result = run_scan(args, config, diff=diff)
    to_terminal = args.output is None
    color = args.color == "always" or (args.color == "auto" and to_terminal and sys.stdout.isatty())
    # --quiet trims the text report wherever it goes; --verbose adds suppressed findings to the
    # reports for people. JSON, SARIF and GitLab reports are whole either way.
    options = ReportOptions(
        color=color,
        show_unused_suppressions=config.report_unused_suppressions or args.verbose,
        show_suppressed=args.verbose,
        quiet=args.quiet,
    )
    # Render everything before writing anything: no output exists unless all of it does.
    outputs: list[tuple[Path | None, str]] = [(args.output, get_reporter(args.format)(result, options))]
    file_options = replace(options, color=False)
    for name in sorted(FORMATS):
        target = getattr(args, f"{name}_output")
        if target is not None:
            outputs.append((target, get_reporter(name)(result, file_options)))
    # Files first: if one cannot be written, the run fails (exit 2) before claiming success.
    for target, text in outputs:
        if target is not None:
            write_atomic(target, text)
    for target, text in outputs:
        if target is None and text:  # --quiet and nothing found: print nothing at all
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            sys.stdout.flush()
    return exit_code(result, config.fail_on, config.strict, config.fail_on_contexts, config.count_unverified)
