"""Build everything a scan needs to use models: router, egress guard, analyzers, stages.

Shared by the CLI (``vulnhound scan --model``) and the benchmark runner
(``--analyzer model:NAME``), so that both take exactly the same path and the library never
imports the CLI. Only constructed when a model is selected: a plain scan imports none of it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vulnhound.analyzers.interface import Analyzer, Stage
from vulnhound.config import Config
from vulnhound.guard.door import DEFAULT_CONNECTIONS, Guard
from vulnhound.guard.interface import GuardOutcome, OutboundRequest
from vulnhound.models.session import ModelRun
from vulnhound.sources import SourceFile


@dataclass(frozen=True)
class ModelOptions:
    """The model choices of one run (what the CLI flags say)."""

    models: tuple[str, ...]
    paths: tuple[str, ...] = (".",)
    triage: bool = False
    hunt: bool = False
    consensus: int | None = None
    budget_tokens: int | None = None
    budget_usd: float | None = None
    no_cache: bool = False
    plan: bool = False
    ledger: Path | None = None
    hunt_top: int | None = None  # hunt only the N riskiest units
    calibrating: bool = False  # `models calibrate`: triage records raw verdicts, dismisses nothing


@dataclass
class ModelSetup:
    """Analyzers and stages to add to a scan, and the guard to ask for the plan."""

    analyzers: list[Analyzer]
    stages: list[Stage]
    door: Guard
    plan: bool
    run: ModelRun | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.door.close()


def scan_root(paths: Sequence[str]) -> Path:
    """The directory a scan's paths are relative to, and its cache and ledger live under:
    the walker's root (the target directory, a file's directory, or the targets' common one)."""
    from vulnhound.walker import common_root

    return common_root([Path(p) for p in paths] or [Path(".")])


class ForwardDoor:
    """Forwards to the guard once it exists: providers are built before it, because the
    guard needs their in-process transports."""

    def __init__(self) -> None:
        self.door: Guard | None = None

    def _guard(self) -> Guard:
        if self.door is None:
            raise RuntimeError("model request before the egress guard was opened")
        return self.door

    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        return self._guard().send(request, timeout_s)

    def redact_text(self, text: str, paths: Sequence[str] = ()) -> str:
        return self._guard().redact_text(text, paths)

    def redact_source(self, source: SourceFile) -> str:
        return self._guard().redact_source(source)

    def permits(self, path: str, zone: str) -> bool:
        return self._guard().permits(path, zone)

    def strips_comments(self, purpose: str) -> bool:
        return self._guard().strips_comments(purpose)


def local_transports(run: ModelRun) -> dict[str, Any]:
    """In-process models' handlers by endpoint URL (llama.cpp answers inside the guard)."""
    local: dict[str, Any] = {}
    for client in run.router.clients.values():
        transport = getattr(client.provider, "transport", None)
        endpoint = getattr(client.provider, "endpoint", None)
        if callable(transport) and endpoint is not None:
            local[endpoint.url] = transport
    return local


def pool_size(run: ModelRun) -> int:
    """Connections to keep alive: every model may have its ``max_concurrency`` in flight."""
    return max(1, sum(c.config.max_concurrency for c in run.router.clients.values()))


def open_door(
    config: Config,
    root: Path,
    *,
    plan: bool,
    ledger: Path | None,
    local: Mapping[str, Any],
    prime: Sequence[SourceFile] = (),
    connections: int | None = None,
) -> Guard:
    """The egress guard for this run: the only object that opens a connection."""
    transport = None
    if local:  # in-process models answer inside the guard's client, after policy and ledger
        from vulnhound.models.transport import LocalRoutingTransport

        transport = LocalRoutingTransport(local, connections=connections or DEFAULT_CONNECTIONS)
    return Guard.from_config(
        config, root, ledger, plan=plan, transport=transport, prime=prime, connections=connections
    )


def build_setup(
    config: Config, options: ModelOptions, *, environ: Mapping[str, str] | None = None
) -> ModelSetup:
    """Router, guard, analyzers and stages for a scan with ``options.models``."""
    from vulnhound.guard.door import guard_endpoints
    from vulnhound.models.config import select
    from vulnhound.models.hunt import HuntAnalyzer, MergeStage
    from vulnhound.models.router import Budget
    from vulnhound.models.session import UsageStage, build_run
    from vulnhound.models.triage import TriageStage
    from vulnhound.scanner import build_analyzers, read_files

    root = scan_root(options.paths)
    chosen = select(config.models, list(options.models))
    forward = ForwardDoor()
    run = build_run(
        config.models,
        chosen,
        forward,
        environ=os.environ if environ is None else environ,
        cache_path=None if options.no_cache else root / ".vulnhound" / "cache.sqlite",
        budget=Budget(options.budget_tokens, options.budget_usd),
        consensus=options.consensus or 1,
        plan=options.plan,
    )
    # Secrets are found per file with its language and numbered in file order, so plan and
    # real run build identical payloads; each file's real path classes its code.
    _root, files, _skipped = read_files([Path(p) for p in options.paths], config)
    prime = sorted(files, key=lambda f: f.path)
    door = open_door(
        config,
        root,
        plan=options.plan,
        ledger=options.ledger,
        local=local_transports(run),
        prime=prime,
        connections=pool_size(run),
    )
    forward.door = door
    run.hunt_top = options.hunt_top
    # A model without a zone, or with one the policy does not list: a clear error, nothing sent.
    guard_endpoints(door, [c.provider.endpoint for c in run.router.clients.values()])  # type: ignore[attr-defined]
    analyzers: list[Analyzer] = build_analyzers(config)
    stages: list[Stage] = []
    if options.hunt:
        analyzers.append(HuntAnalyzer(run))
        stages.append(MergeStage())
    if options.triage:
        from vulnhound.models.calibration import CALIBRATION_FILE, DismissalGate, load

        gate = DismissalGate(load(root / CALIBRATION_FILE), config.triage_max_false_dismissal)
        stages.append(TriageStage(run, None if options.calibrating else gate))
    stages.append(UsageStage(run))
    return ModelSetup(analyzers, stages, door, options.plan, run)
