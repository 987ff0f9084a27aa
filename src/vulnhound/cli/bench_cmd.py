"""``vulnhound bench``: run analyzers over labelled datasets, compare result files, write samples."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from vulnhound.config import load_config
from vulnhound.result import ExitCode


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="score analyzers on labelled datasets",
        description="Score analyzers on labelled datasets.",
    )
    commands = parser.add_subparsers(dest="bench_command", metavar="ACTION", parser_class=type(parser))

    run = commands.add_parser("run", help="run analyzers over a dataset and score them")
    run.add_argument("--dataset", required=True, type=Path, help="dataset file or directory")
    run.add_argument("--format", dest="dataset_format", choices=["owasp", "jsonl", "sarif", "sven"])
    run.add_argument("--source-root", type=Path, help="source tree of a truth SARIF (default: its directory)")
    run.add_argument(
        "--analyzer",
        dest="bench_analyzers",
        action="append",
        metavar="SPEC",
        help="engine | engine:A+B | import:FILE | model:NAME (repeatable; default: engine)",
    )
    run.add_argument("--config", type=Path, help="configuration file for the engine and models")
    run.add_argument("--limit", type=int, metavar="N", help="only the first N samples (id order)")
    run.add_argument(
        "--work-dir",
        type=Path,
        default=Path(".vulnhound/bench"),
        help="checkpoint and materialised samples (default: .vulnhound/bench)",
    )
    run.add_argument("--no-resume", dest="resume", action="store_false", help="redo finished samples")
    run.add_argument("-o", "--output", type=Path, help="write the JSON result here")
    run.add_argument("--markdown-output", type=Path, help="write a Markdown report here")
    run.add_argument("--html-output", type=Path, help="write a self-contained HTML report here")
    run.add_argument("--json", action="store_true", help="print the JSON result instead of a table")
    run.set_defaults(func=run_command)

    compare = commands.add_parser("compare", help="leaderboard from bench result files")
    compare.add_argument("results", nargs="+", type=Path, help="result JSON files of 'bench run'")
    compare.add_argument(
        "--format", dest="board_format", choices=["table", "markdown", "json"], default="table"
    )
    compare.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    compare.set_defaults(func=compare_command)

    write = commands.add_parser("materialize", help="write a dataset's sample files, e.g. for other tools")
    write.add_argument("--dataset", required=True, type=Path)
    write.add_argument("--format", dest="dataset_format", choices=["owasp", "jsonl", "sarif", "sven"])
    write.add_argument("--out", required=True, type=Path, help="directory to write into")
    write.set_defaults(func=materialize_command)

    parser.set_defaults(func=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return ExitCode.USAGE


def _load(args: argparse.Namespace) -> Any:
    from vulnhound.bench.datasets import Dataset, load_dataset

    dataset: Dataset = load_dataset(args.dataset, args.dataset_format, getattr(args, "source_root", None))
    return dataset


def run_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from vulnhound.bench.core import run_bench
    from vulnhound.bench.datasets import dataset_hash
    from vulnhound.bench.report import render_terminal, to_html, to_markdown
    from vulnhound.bench.runners import create_runner
    from vulnhound.errors import UsageError

    dataset = _load(args)
    if args.limit is not None:
        if args.limit < 1:
            raise UsageError("--limit must be positive")
        kept = dataset.samples[: args.limit]
        dataset = replace(dataset, samples=kept, hash=dataset_hash(kept))
    config = load_config(Path.cwd(), config_file=args.config, environ=os.environ)
    runners = [create_runner(spec, config) for spec in (args.bench_analyzers or ["engine"])]
    if sys.stderr.isatty():
        result = _run_with_progress(dataset, runners, args)
    else:
        result = run_bench(dataset, runners, args.work_dir, resume=args.resume)
    document = result.to_json()
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    if args.output:
        _write(args.output, text)
    if args.markdown_output:
        _write(args.markdown_output, to_markdown(document))
    if args.html_output:
        _write(args.html_output, to_html(document))
    if args.json:
        sys.stdout.write(text)
    else:
        from rich.console import Console

        render_terminal(document, Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160))
    return ExitCode.CLEAN


def _run_with_progress(dataset: Any, runners: Any, args: argparse.Namespace) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from vulnhound.bench.core import run_bench

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        return run_bench(dataset, runners, args.work_dir, resume=args.resume, progress=update)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def compare_command(args: argparse.Namespace) -> int:
    from vulnhound.bench.report import leaderboard, leaderboard_markdown, load_result, render_leaderboard

    entries = leaderboard([load_result(p) for p in args.results])
    if args.board_format == "json":
        text = json.dumps({"leaderboard": entries}, indent=2) + "\n"
    elif args.board_format == "markdown":
        text = leaderboard_markdown(entries)
    else:
        from rich.console import Console

        if args.output:
            with args.output.open("w", encoding="utf-8") as handle:
                render_leaderboard(entries, Console(file=handle, width=200, soft_wrap=False))
        else:
            render_leaderboard(entries, Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160))
        return ExitCode.CLEAN
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    return ExitCode.CLEAN


def materialize_command(args: argparse.Namespace) -> int:
    from vulnhound.bench.datasets import write_samples

    dataset = _load(args)
    write_samples(dataset, args.out)
    sys.stdout.write(
        f"wrote {len({s.path for s in dataset.samples})} files of {dataset.name} to {args.out}\n"
    )
    return ExitCode.CLEAN
