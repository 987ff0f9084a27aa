"""What can be scored: the adapter point between the bench and anything that finds bugs.

A :class:`Runner` analyses files of a tree and returns findings with paths relative to that
tree. The bench attributes findings to samples, scores them and checkpoints the outcome; a
runner only has to find. ``identity()`` is everything that determines its answers (version,
rule-set hash, model id and parameters, prompt hashes), recorded in the result and hashed into
the checkpoint key so that a changed runner never reuses stale outcomes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from vulnhound import __version__
from vulnhound.config import Config
from vulnhound.errors import UsageError
from vulnhound.findings import Finding
from vulnhound.importers import detect_format, from_document
from vulnhound.result import ModelUsage
from vulnhound.rules.catalog import builtin_rule_files


@dataclass(frozen=True)
class RunnerOutput:
    findings: tuple[Finding, ...]  # paths relative to the scanned tree where the runner knows it
    duration_s: float = 0.0
    usage: tuple[ModelUsage, ...] = ()
    notes: tuple[str, ...] = ()
    # Per-file usage when the runner can tell (models); else the bench splits evenly.
    per_path: dict[str, ModelUsage] = field(default_factory=dict)


@runtime_checkable
class Runner(Protocol):
    """Anything scored by the bench."""

    @property
    def name(self) -> str: ...

    @property
    def batch_size(self) -> int | None:
        """Samples per call of :meth:`run` (None: all at once); each batch is checkpointed."""
        ...

    def identity(self) -> dict[str, Any]: ...

    def run(self, root: Path, paths: Sequence[str] | None) -> RunnerOutput:
        """Analyse ``paths`` (relative to ``root``), or the whole tree when None."""
        ...


def identity_key(runner: Runner) -> str:
    """``name@hash``: the checkpoint key part for this runner as configured."""
    blob = json.dumps(runner.identity(), sort_keys=True, default=str).encode()
    return f"{runner.name}@{hashlib.sha256(blob).hexdigest()[:16]}"


def ruleset_hash(extra_files: Sequence[str] = ()) -> str:
    """sha256 over the built-in rule files and any extra ones (name and text, name order)."""
    digest = hashlib.sha256()
    for name, text in builtin_rule_files():
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    for path in sorted(extra_files):
        digest.update(path.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()


class EngineRunner:
    """vulnhound's own offline scan (``vulnhound.scan``) with the configured analyzers."""

    batch_size: int | None = None

    def __init__(self, config: Config | None = None, label: str = "engine") -> None:
        # Datasets often sit inside a repository; nothing in them may be skipped by its ignores.
        self.config = (config or Config()).replace(respect_gitignore=False, baseline=None)
        self._label = label

    @property
    def name(self) -> str:
        return self._label

    def identity(self) -> dict[str, Any]:
        from vulnhound.analyzers.registry import DEFAULT_ANALYZERS

        return {
            "kind": "engine",
            "vulnhound": __version__,
            "analyzers": list(self.config.analyzers or DEFAULT_ANALYZERS),
            "ruleset_hash": ruleset_hash(self.config.rule_files),
            "disabled_rules": sorted(self.config.disable_rules),
            "min_severity": self.config.min_severity.value,
            "min_confidence": self.config.min_confidence.value,
            "suppressions": self.config.suppressions,
        }

    def run(self, root: Path, paths: Sequence[str] | None) -> RunnerOutput:
        from vulnhound.scanner import scan

        started = time.perf_counter()
        targets = [root] if paths is None else [root / p for p in sorted(set(paths))]
        result = scan(targets, self.config)
        scanned_root = Path(result.root)
        findings = []
        for finding in result.active:
            absolute = scanned_root / finding.location.path
            try:
                rel = absolute.relative_to(root).as_posix()
            except ValueError:
                continue
            findings.append(_with_path(finding, rel))
        return RunnerOutput(
            tuple(findings),
            time.perf_counter() - started,
            result.model_usage,
            result.notes,
        )


class ImportRunner:
    """Results another tool wrote over the same dataset (SARIF, Bandit JSON, Semgrep JSON)."""

    batch_size: int | None = None

    def __init__(self, path: Path, fmt: str | None = None) -> None:
        self.path = path
        try:
            self._raw = path.read_bytes()
            self._document = json.loads(self._raw)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read results file {path}: {exc}") from exc
        self.format = fmt or detect_format(self._document)

    @property
    def name(self) -> str:
        return f"import:{self.path.name}"

    def identity(self) -> dict[str, Any]:
        return {
            "kind": "import",
            "file": self.path.name,
            "format": self.format,
            "sha256": hashlib.sha256(self._raw).hexdigest(),
            "tool": _tool_name(self._document, self.format),
        }

    def run(self, root: Path, paths: Sequence[str] | None) -> RunnerOutput:
        # Paths stay as the tool wrote them; the bench matches them to samples by suffix.
        started = time.perf_counter()
        findings = tuple(f for f in from_document(self._document, self.format) if not f.suppressed)
        return RunnerOutput(findings, time.perf_counter() - started)


def _tool_name(document: Any, fmt: str) -> str:
    if fmt == "sarif":
        runs = document.get("runs") or [{}]
        driver = (runs[0].get("tool") or {}).get("driver") or {}
        version = driver.get("semanticVersion") or driver.get("version") or ""
        return f"{driver.get('name', 'sarif')} {version}".strip()
    return fmt


def _with_path(finding: Finding, path: str) -> Finding:
    return replace(finding, location=replace(finding.location, path=path))


def create_runner(spec: str, config: Config | None = None) -> Runner:
    """``engine``, ``engine:ANALYZER[+ANALYZER]``, ``import:FILE``, ``model:NAME``, or a pipeline
    ``engine+hunt:NAME`` / ``engine+specs:NAME`` (the engine with a model's help)."""
    kind, _, argument = spec.partition(":")
    if kind.startswith("engine+"):
        from vulnhound.bench.model_runner import PIPELINES, PipelineRunner

        mode = PIPELINES.get(kind.removeprefix("engine+"))
        if mode is None or not argument:
            raise UsageError(f"unknown pipeline {spec!r} (use engine+hunt:NAME or engine+specs:NAME)")
        return PipelineRunner(mode, argument, config or Config())
    if kind == "engine":
        base = config or Config()
        if argument:
            base = base.replace(analyzers=tuple(a for a in argument.split("+") if a))
        return EngineRunner(base, label=spec)
    if kind == "import":
        if not argument:
            raise UsageError("--analyzer import:FILE needs a file")
        return ImportRunner(Path(argument))
    if kind == "model":
        if not argument:
            raise UsageError("--analyzer model:NAME needs a configured model name")
        from vulnhound.bench.model_runner import create_model_runner

        return create_model_runner(argument, config or Config())
    raise UsageError(
        f"unknown analyzer {spec!r} (use engine, import:FILE, model:NAME, engine+hunt:NAME or engine+specs:NAME)"
    )
