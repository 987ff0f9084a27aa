"""``--analyzer model:NAME``: a configured model hunting alone, through the model layer.

The model sees the same files as every other analyzer, through the same path a scan with
``--model NAME --hunt`` takes: the router (retries, budget, SQLite response cache under the
scanned tree's ``.vulnhound/``) and the egress guard (policy, ledger). Only the model's own
findings are scored, not the deterministic analyzers'. Samples run in batches so that the
checkpoint advances while a slow model works; tokens and cost are split evenly over a batch.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vulnhound.bench.runners import RunnerOutput, _with_path
from vulnhound.config import Config


class ModelRunner:
    batch_size: int | None = 25

    def __init__(self, name: str, config: Config) -> None:
        from vulnhound.models.config import select

        (self.model,) = select(config.models, [name])  # ConfigError naming the known models
        self.config = config.replace(respect_gitignore=False, baseline=None)
        self._name = name
        self.cache_used = False

    @property
    def name(self) -> str:
        return f"model:{self._name}"

    def identity(self) -> dict[str, Any]:
        from vulnhound.models import prompts

        m = self.model
        prompt_hashes = {
            key: hashlib.sha256(str(getattr(prompts, key)).encode()).hexdigest()
            for key in sorted(dir(prompts))
            if key.endswith("_SYSTEM")
        }
        return {
            "kind": "model",
            "model": m.name,
            "provider": m.provider,
            "model_id": m.model or m.model_path,
            "base_url": m.base_url,
            "parameters": {"temperature": m.temperature, "max_tokens": m.max_tokens},
            "structured_output": m.structured_output,
            "fallback": list(m.fallback),
            "prompt_hashes": prompt_hashes,
            "cache": ".vulnhound/cache.sqlite under the scanned tree",
        }

    def run(self, root: Path, paths: Sequence[str] | None) -> RunnerOutput:
        from vulnhound.models.setup import ModelOptions, build_setup
        from vulnhound.scanner import scan

        started = time.perf_counter()
        setup = build_setup(self.config, ModelOptions(models=(self._name,), paths=(str(root),), hunt=True))
        try:
            hunters = [a for a in setup.analyzers if a.name == "hunt"]
            targets = [root] if paths is None else [root / p for p in sorted(set(paths))]
            result = scan(targets, self.config, analyzers=hunters, stages=setup.stages)
        finally:
            setup.close()
        scanned = Path(result.root)
        findings = []
        for finding in result.active:
            try:
                findings.append(
                    _with_path(finding, (scanned / finding.location.path).relative_to(root).as_posix())
                )
            except ValueError:
                continue
        self.cache_used = self.cache_used or any(u.cached for u in result.model_usage)
        return RunnerOutput(tuple(findings), time.perf_counter() - started, result.model_usage, result.notes)


def create_model_runner(name: str, config: Config) -> ModelRunner:
    return ModelRunner(name, config)


class PipelineRunner(ModelRunner):
    """``engine+hunt:NAME`` / ``engine+specs:NAME``: the deterministic analyzers with a model's
    help, scored as one analyzer, so a run shows what the model adds to the engine.

    ``hunt``: the engine's findings plus the model's hunted ones that count for a build (verified,
    or confirmed by consensus; unverified ones are reported but not scored, as --fail-on does).
    ``specs``: the model labels the tree's unknown APIs first (`vulnhound specs infer`, into a
    temporary rule file: the dataset tree is never written to), then the engine scans with them.
    """

    def __init__(self, mode: str, name: str, config: Config) -> None:
        super().__init__(name, config)
        self.mode = mode
        if mode == "specs":
            self.batch_size = None  # labels are inferred over the whole tree at once

    @property
    def name(self) -> str:
        return f"engine+{self.mode}:{self._name}"

    def identity(self) -> dict[str, Any]:
        from vulnhound.bench.runners import EngineRunner

        return {
            **super().identity(),
            "kind": "pipeline",
            "mode": self.mode,
            "engine": EngineRunner(self.config).identity(),
        }

    def run(self, root: Path, paths: Sequence[str] | None) -> RunnerOutput:
        import tempfile

        from vulnhound.models.setup import ModelOptions, build_setup
        from vulnhound.scanner import scan

        started = time.perf_counter()
        targets = [root] if paths is None else [root / p for p in sorted(set(paths))]
        config = self.config.replace(use_inferred_specs=False)
        usage: tuple[Any, ...] = ()
        with tempfile.TemporaryDirectory(prefix="vulnhound-specs-") as temp:
            if self.mode == "specs":
                from vulnhound.specs.run import infer_specs

                spec_run, setup = infer_specs(config, ModelOptions(models=(self._name,), paths=(str(root),)))
                setup.close()
                rules = Path(temp) / "specs.toml"
                rules.write_text(spec_run.text, encoding="utf-8")
                usage = spec_run.usage
                result = scan(targets, config.replace(rule_files=(*config.rule_files, str(rules))))
            else:
                setup = build_setup(config, ModelOptions(models=(self._name,), paths=(str(root),), hunt=True))
                try:
                    result = scan(targets, config, analyzers=setup.analyzers, stages=setup.stages)
                finally:
                    setup.close()
                usage = result.model_usage
        scanned = Path(result.root)
        findings = []
        for finding in (f for f in result.active if not f.unverified):
            try:
                findings.append(
                    _with_path(finding, (scanned / finding.location.path).relative_to(root).as_posix())
                )
            except ValueError:
                continue
        self.cache_used = self.cache_used or any(u.cached for u in usage)
        return RunnerOutput(tuple(findings), time.perf_counter() - started, tuple(usage), result.notes)


PIPELINES = {"hunt": "hunt", "model": "hunt", "specs": "specs"}
