"""``vulnhound audit``: verify the egress ledger's hash chain and summarise exposure.

``audit verify`` exits 0 on an intact ledger, 1 when it was tampered with (naming the first
bad line) and 2 when the file cannot be read. ``audit report`` says what went to which
zone and model, and which files were exposed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vulnhound.guard.ledger import iter_entries, verify
from vulnhound.result import ExitCode

_DECISIONS = ("sent", "blocked", "planned", "failed")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help="verify and summarise the egress ledger"
    )
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=type(parser))
    check = actions.add_parser("verify", help="check the ledger's hash chain and head file")
    check.add_argument("ledger", type=Path, metavar="PATH", help="ledger file (.vulnhound/ledger.jsonl)")
    check.set_defaults(func=run_verify)
    report = actions.add_parser("report", help="summarise exposure per zone, model and file")
    report.add_argument("ledger", type=Path, metavar="PATH", help="ledger file (.vulnhound/ledger.jsonl)")
    report.add_argument("--json", action="store_true", help="print the summary as JSON")
    report.set_defaults(func=run_report)
    parser.set_defaults(func=lambda _args: _missing_action(parser))


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return ExitCode.USAGE


def run_verify(args: argparse.Namespace) -> int:
    path: Path = args.ledger
    try:
        result = verify(path)
    except OSError as exc:
        sys.stderr.write(f"vulnhound: error: cannot read ledger {path}: {exc.strerror or exc}\n")
        return ExitCode.USAGE
    if result.ok:
        sys.stdout.write(f"{path}: {result.describe()}\n")
        return ExitCode.CLEAN
    sys.stdout.write(f"{path}: TAMPERED: first bad entry at {result.describe()}\n")
    return ExitCode.FINDINGS


def _row() -> dict[str, int]:
    return {"sent": 0, "blocked": 0, "planned": 0, "failed": 0, "bytes": 0, "redactions": 0}


def summarise(path: Path) -> dict[str, Any]:
    """Exposure per zone, model and file. ``bytes`` counts sent payloads only; a file's bytes
    are the sizes of the payloads that included it."""
    zones: dict[str, dict[str, int]] = {}
    models: dict[str, dict[str, int]] = {}
    files: dict[str, dict[str, int]] = {}
    entries = 0
    for entry in iter_entries(path):
        entries += 1
        decision = str(entry.get("decision"))
        if decision not in _DECISIONS:
            continue
        sent = decision == "sent"
        size = int(entry.get("bytes") or 0) if sent else 0
        redactions = int(entry.get("redactions") or 0) if sent else 0
        paths = {str(f.get("path")) for f in entry.get("files") or [] if isinstance(f, dict)}
        rows = [
            zones.setdefault(str(entry.get("zone")), _row()),
            models.setdefault(str(entry.get("model")), _row()),
            *(files.setdefault(p, _row()) for p in sorted(paths)),
        ]
        for row in rows:
            row[decision] += 1
            row["bytes"] += size
            row["redactions"] += redactions
    verdict = verify(path)
    return {
        "ledger": str(path),
        "entries": entries,
        "intact": verdict.ok,
        "verify": verdict.describe(),
        "zones": dict(sorted(zones.items())),
        "models": dict(sorted(models.items())),
        "files": dict(sorted(files.items())),
    }


def _table(title: str, rows: dict[str, dict[str, int]]) -> list[str]:
    out = [f"{title}:"]
    if not rows:
        out.append("  (none)")
    for name, row in rows.items():
        out.append(
            f"  {name}: {row['sent']} sent, {row['blocked']} blocked, {row['failed']} failed, "
            f"{row['planned']} planned, {row['bytes']} bytes sent, {row['redactions']} redactions"
        )
    return out


def run_report(args: argparse.Namespace) -> int:
    path: Path = args.ledger
    try:
        summary = summarise(path)
    except OSError as exc:
        sys.stderr.write(f"vulnhound: error: cannot read ledger {path}: {exc.strerror or exc}\n")
        return ExitCode.USAGE
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        return ExitCode.CLEAN
    lines = [f"ledger {path}: {summary['entries']} entries; {summary['verify']}"]
    lines += _table("per zone", summary["zones"])
    lines += _table("per model", summary["models"])
    lines += _table("per file", summary["files"])
    sys.stdout.write("\n".join(lines) + "\n")
    return ExitCode.CLEAN
