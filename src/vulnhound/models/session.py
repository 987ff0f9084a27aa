"""Everything a scan needs to use models, built once from the configuration and CLI flags.

Constructed only when ``--model`` is given: a plain scan imports none of this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vulnhound.analyzers.interface import AnalysisContext, StageOutput
from vulnhound.findings import Finding
from vulnhound.guard.interface import EgressDoor
from vulnhound.models.cache import ResponseCache
from vulnhound.models.config import ModelConfig
from vulnhound.models.providers import create_provider
from vulnhound.models.router import Budget, ModelClient, Refusal, Router
from vulnhound.sources import Skipped, SkipReason, SourceFile


@dataclass
class ModelRun:
    """The selected models, the router in front of them, and the consensus threshold."""

    router: Router
    models: tuple[ModelConfig, ...]
    consensus: int = 1
    hunt_top: int | None = None  # hunt only the N riskiest units (None: all)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.models)

    def config(self, name: str) -> ModelConfig:
        return self.router.clients[name].config


def build_run(
    all_models: Sequence[ModelConfig],
    selected: Sequence[ModelConfig],
    door: EgressDoor,
    *,
    environ: Mapping[str, str],
    cache_path: Path | None,
    budget: Budget | None = None,
    consensus: int = 1,
    plan: bool = False,
) -> ModelRun:
    """Clients for the selected models and every model on their fallback chains."""
    by_name = {m.name: m for m in all_models}
    needed: dict[str, ModelConfig] = {}
    pending = list(selected)
    while pending:
        model = pending.pop(0)
        if model.name in needed:
            continue
        needed[model.name] = model
        pending.extend(by_name[n] for n in model.fallback if n in by_name)
    clients = {name: ModelClient(cfg, create_provider(cfg, environ)) for name, cfg in needed.items()}
    cache = ResponseCache(cache_path) if cache_path is not None else None
    router = Router(door, clients, cache=cache, budget=budget, plan=plan)
    return ModelRun(router, tuple(selected), consensus=max(1, consensus))


def refusal_report(
    purpose: str, refused: Sequence[tuple[str, str, Refusal, str]]
) -> tuple[list[Skipped], list[str]]:
    """Skips and one summary note per model for work the models did not do.

    ``refused`` holds (model, path, refusal, what) for each unit or finding left out.
    """
    skipped: list[Skipped] = []
    notes: list[str] = []
    per_model: dict[str, Counter[str]] = {}
    planned = 0
    for model, path, refusal, what in refused:
        if refusal.planned:
            planned += 1
            continue
        skipped.append(
            Skipped(
                path,
                refusal.reason,
                f"{what} not analysed by model {model}: {refusal.detail}",
                f"{purpose}:{model}",
            )
        )
        per_model.setdefault(model, Counter())[refusal.reason.value] += 1
    for model, counts in per_model.items():
        total = sum(counts.values())
        reasons = ", ".join(f"{reason} ({n})" for reason, n in counts.most_common())
        notes.append(f"{purpose}: model {model} did not analyse {total} item(s): {reasons}")
    if planned:
        notes.append(f"{purpose}: plan mode, {planned} request(s) planned and not sent")
    return skipped, notes


__all__ = ["ModelRun", "SkipReason", "UsageStage", "build_run", "refusal_report"]


class UsageStage:
    """The last model stage: reports each model's tokens, requests and cost once."""

    def __init__(self, run: ModelRun) -> None:
        self.run_ = run

    @property
    def name(self) -> str:
        return "model-usage"

    def run(
        self, findings: Sequence[Finding], files: Sequence[SourceFile], context: AnalysisContext
    ) -> StageOutput:
        usage = self.run_.router.usage()
        notes = tuple(
            f"model {u.model}: {u.requests} request(s), {u.cached} cached, {u.failures} failed, "
            f"{u.tokens_in} tokens in, {u.tokens_out} out, est. ${u.cost_usd:.4f}"
            for u in usage
        )
        return StageOutput(tuple(findings), notes=notes, model_usage=usage)
