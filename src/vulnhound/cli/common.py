"""Options shared by the subcommands that run a scan."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vulnhound.analyzers.interface import Analyzer, Stage
from vulnhound.config import Config, environment_warnings, load_config
from vulnhound.errors import UsageError
from vulnhound.findings import Confidence, Severity
from vulnhound.reporters._common import coverage_line, plural
from vulnhound.reporters.registry import FORMATS
from vulnhound.result import ModelUsage, ScanResult
from vulnhound.scanner import ProgressCallback, build_analyzers, scan
from vulnhound.walker import common_root

if TYPE_CHECKING:
    from vulnhound.diffscan import DiffScope


def add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories to scan (default: .)")
    parser.add_argument("--config", type=Path, help="configuration file (skips discovery)")
    parser.add_argument(
        "--include", action="append", metavar="GLOB", help="only scan files matching (repeatable)"
    )
    parser.add_argument("--exclude", action="append", metavar="GLOB", help="skip files matching (repeatable)")
    parser.add_argument(
        "--no-gitignore",
        dest="respect_gitignore",
        action="store_false",
        default=None,
        help="do not read .gitignore files",
    )
    parser.add_argument("--max-file-size", type=int, metavar="BYTES", help="skip files larger than this")
    parser.add_argument(
        "--min-severity", choices=[s.value for s in Severity], help="report only findings at or above"
    )
    parser.add_argument(
        "--min-confidence", choices=[c.value for c in Confidence], help="report only findings at or above"
    )
    parser.add_argument(
        "--rules", dest="rule_files", action="append", metavar="FILE", help="extra rule file (repeatable)"
    )
    parser.add_argument(
        "--disable-rule",
        dest="disable_rules",
        action="append",
        metavar="ID",
        help="turn a rule off (repeatable)",
    )
    parser.add_argument(
        "--analyzer", dest="analyzers", action="append", metavar="NAME", help="analyzers to run (repeatable)"
    )
    parser.add_argument(
        "--no-suppressions",
        dest="suppressions",
        action="store_false",
        default=None,
        help="ignore '# vulnhound: ignore' comments",
    )
    parser.add_argument(
        "--taint-parameters",
        action="store_true",
        default=None,
        help="treat every function parameter as untrusted input (library code, single functions)",
    )
    parser.add_argument(
        "--import-results",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="merge another tool's results (SARIF, Bandit JSON, Semgrep JSON) into this scan (repeatable)",
    )
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (0: one per core)")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print findings only: no progress bar, notes or summary (warnings and errors still go "
        "to stderr; exit codes and written reports are unchanged)",
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the configuration used, the analyzers, the files left out as the scan's "
        "own inputs and outputs, and suppressed findings",
    )


def overrides_from(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    return {name: getattr(args, name, None) for name in names}


SCAN_OVERRIDES = [
    "include",
    "exclude",
    "respect_gitignore",
    "max_file_size",
    "min_severity",
    "min_confidence",
    "rule_files",
    "disable_rules",
    "analyzers",
    "suppressions",
    "jobs",
    "taint_parameters",
]


def config_from(args: argparse.Namespace, extra: list[str] | None = None) -> Config:
    """The configuration for ``args``; warns of ``VULNHOUND_*`` variables that set nothing,
    and leaves the run's own baseline, reports and imported results out of the walk."""
    start = Path(args.paths[0]) if args.paths else Path.cwd()
    config = load_config(
        start,
        config_file=args.config,
        environ=os.environ,
        overrides=overrides_from(args, SCAN_OVERRIDES + (extra or [])),
    )
    for warning in environment_warnings(os.environ, config):
        warn(warning)
    own = own_files(args, config)
    say(args, f"configuration: {config.source}")
    for path in own:
        say(args, f"not scanned (this run's own input or output): {path}")
    return config.replace(ignore_paths=tuple(str(p) for p in own))


def own_files(args: argparse.Namespace, config: Config) -> list[Path]:
    """This run's baseline, reports and imported results that lie in the scanned tree: the
    scan must not read them (it would find the last report's quoted secrets again)."""
    named = [getattr(args, "output", None), config.baseline, *getattr(args, "import_results", [])]
    named += [getattr(args, f"{name}_output", None) for name in sorted(FORMATS)]
    root = common_root([Path(p) for p in args.paths] or [Path.cwd()])
    found = [Path(p).resolve() for p in dict.fromkeys(named) if p is not None and Path(p).is_file()]
    return [path for path in found if root in path.parents]


def warn(message: str) -> None:
    """A warning on stderr, shown even with --quiet (it may change what the scan means)."""
    sys.stderr.write(f"vulnhound: warning: {message}\n")


def say(args: argparse.Namespace, message: str) -> None:
    """Detail for --verbose, on stderr."""
    if getattr(args, "verbose", False):
        sys.stderr.write(f"vulnhound: {message}\n")


def inform(args: argparse.Namespace, message: str) -> None:
    """Progress chatter (what was written where) on stderr, left out with --quiet."""
    if message and not getattr(args, "quiet", False):
        sys.stderr.write(message if message.endswith("\n") else message + "\n")


def run_scan(
    args: argparse.Namespace,
    config: Config,
    analyzers: Sequence[Analyzer] | None = None,
    stages: Sequence[Stage] = (),
    usage: Callable[[], Sequence[ModelUsage]] | None = None,
    diff: DiffScope | None = None,
) -> ScanResult:
    """The scan of ``args.paths`` (only what ``diff`` brings, when given); on a terminal with a progress bar (and, when models run,
    their live requests, tokens and cost from ``usage``)."""
    # A mistyped target must fail CI loudly, not pass as a clean scan of nothing.
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(map(str, missing))}")
    imported = getattr(args, "import_results", [])
    if imported:
        from vulnhound.importers.analyzer import ImportedResults

        analyzers = [*(analyzers if analyzers is not None else build_analyzers(config))]
        analyzers += [ImportedResults(path) for path in imported]
    if sys.stderr.isatty() and not getattr(args, "quiet", False):
        result = _scan_with_progress(args, config, analyzers, stages, usage, diff)
    else:
        result = scan(args.paths, config, analyzers=analyzers, stages=stages, diff=diff)
    say(args, f"analyzers: {', '.join(result.analyzers)}; {plural(len(result.rules), 'rule')}")
    say(args, f"scanned in {result.duration_s:.2f}s: {coverage_line(result)}")
    return result


def usage_line(usage: Sequence[ModelUsage]) -> str:
    """Live model spending for the progress bar: requests, tokens, cost (and failures)."""
    if not usage:
        return ""
    requests = sum(u.requests for u in usage)
    tokens = sum(u.tokens_in + u.tokens_out for u in usage)
    cost = sum(u.cost_usd for u in usage)
    failed = sum(u.failures for u in usage)
    cached = sum(u.cached for u in usage)
    extra = (f", {cached} cached" if cached else "") + (f", {failed} failed" if failed else "")
    return f"models: {requests} request(s){extra}, {tokens:,} tokens, ${cost:.4f}"


def _scan_with_progress(
    args: argparse.Namespace,
    config: Config,
    analyzers: Sequence[Analyzer] | None = None,
    stages: Sequence[Stage] = (),
    usage: Callable[[], Sequence[ModelUsage]] | None = None,
    diff: DiffScope | None = None,
) -> ScanResult:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class ModelColumn(ProgressColumn):
        """Re-read on every refresh: model requests run in stages the bar has no steps for."""

        def render(self, task: Any) -> Text:
            return Text(usage_line(usage()) if usage is not None else "")

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        ModelColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=None)

        def update(_phase: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        callback: ProgressCallback = update
        return scan(args.paths, config, progress=callback, analyzers=analyzers, stages=stages, diff=diff)
