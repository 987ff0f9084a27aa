"""``vulnhound specs infer``: a model labels the APIs the rules do not know; scans read the file."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from vulnhound.cli.common import config_from
from vulnhound.errors import UsageError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "specs", help="infer API labels (sources, sinks, sanitizers) with a model"
    )
    sub = parser.add_subparsers(dest="specs_command", metavar="ACTION")
    infer = sub.add_parser(
        "infer",
        help="label the project's wrappers and unknown external calls; write .vulnhound/specs.toml",
        description="Find the APIs the rule data cannot classify (external calls, the project's "
        "wrappers of them), ask a model to label each from its name, signature, docstring and one "
        "call site (never a function body), and write the labels as a rule file that every scan "
        "of the tree then reads with no model.",
    )
    infer.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    infer.add_argument("--config", metavar="FILE", help="configuration file (default: discovered)")
    infer.add_argument("--model", dest="models", action="append", required=True, metavar="NAME")
    infer.add_argument(
        "--max", type=int, default=None, metavar="N", help="ask about at most N APIs (default: 60)"
    )
    infer.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the rule file (or the plan) here"
    )
    infer.add_argument("--plan", action="store_true", help="show what would be sent; send nothing")
    infer.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")
    infer.add_argument(
        "--ledger", type=Path, metavar="PATH", help="egress ledger (default: .vulnhound/ledger.jsonl)"
    )
    infer.add_argument("--budget-tokens", type=int, metavar="N")
    infer.add_argument("--budget-usd", type=float, metavar="X")
    infer.set_defaults(func=run_infer)

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(func=usage)


def infer_into(
    args: argparse.Namespace, config: Any, output: Path | None = None, changed: Any = None
) -> tuple[int, str]:
    """Run inference for ``args`` (scan's --infer-specs shares it); (exit code, summary).
    With ``changed`` (a diff scan's :class:`~vulnhound.diffscan.ChangedCode`), only APIs
    called in changed code are asked about."""
    from vulnhound.cli.models_cmd import write_plan
    from vulnhound.models.setup import ModelOptions
    from vulnhound.output import write_atomic
    from vulnhound.specs.run import DEFAULT_MAX, infer_specs

    limit = getattr(args, "max", None) or DEFAULT_MAX
    if limit < 1:
        raise UsageError("--max must be at least 1")
    options = ModelOptions(
        models=tuple(args.models[:1]),
        paths=tuple(args.paths),
        budget_tokens=args.budget_tokens,
        budget_usd=args.budget_usd,
        no_cache=bool(args.no_cache),
        plan=bool(args.plan),
        ledger=args.ledger,
    )
    run, setup = infer_specs(config, options, limit, changed)
    try:
        if args.plan:
            write_plan(setup, output)
            return 0, ""
    finally:
        setup.close()
    target = output or run.target
    write_atomic(target, run.text)
    roles = Counter(label.role for label in run.inference.labels)
    said = ", ".join(f"{n} {role}(s)" for role, n in sorted(roles.items())) or "nothing usable"
    lines = [
        f"specs: {len(run.candidates)} API(s) asked"
        + (f", {run.left_out} more left out (at most {limit} asked)" if run.left_out else "")
        + f"; labelled {said}; wrote {target}",
        *(f"specs: not answered: {line}" for line in run.inference.refused),
        *(f"specs: dropped: {line}" for line in run.inference.dropped),
        *(
            f"specs: model {u.model}: {u.requests} request(s), {u.cached} cached, {u.tokens_in} tokens in, "
            f"{u.tokens_out} out, est. ${u.cost_usd:.4f}"
            for u in run.usage
        ),
    ]
    return (3 if run.inference.refused and not run.inference.labels else 0), "\n".join(lines) + "\n"


def run_infer(args: argparse.Namespace) -> int:
    config = config_from(args)
    code, summary = infer_into(args, config, args.output)
    sys.stderr.write(summary)
    return code
