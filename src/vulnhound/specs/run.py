"""One spec-inference run: find candidates, ask the model through the guard, write the file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vulnhound.config import Config
from vulnhound.engine.spec import build_spec
from vulnhound.models.setup import ModelOptions, ModelSetup, build_setup, scan_root
from vulnhound.result import ModelUsage
from vulnhound.scanner import load_catalog, read_files
from vulnhound.specs.candidates import Candidate, find_candidates
from vulnhound.specs.infer import Inference, infer
from vulnhound.specs.specfile import SPECS_FILE, render

if TYPE_CHECKING:
    from vulnhound.diffscan import ChangedCode

DEFAULT_MAX = 60


@dataclass(frozen=True)
class SpecRun:
    """What a run found and asked; ``text`` is the rule file (empty in plan mode)."""

    candidates: tuple[Candidate, ...]
    inference: Inference
    text: str
    target: Path
    usage: tuple[ModelUsage, ...]
    left_out: int  # candidates beyond --max, not asked


def specs_path(paths: tuple[str, ...]) -> Path:
    """Where a scan of ``paths`` reads inferred specs: ``.vulnhound/specs.toml`` under its root."""
    return scan_root(paths) / SPECS_FILE


def infer_specs(
    config: Config,
    options: ModelOptions,
    max_candidates: int = DEFAULT_MAX,
    changed: ChangedCode | None = None,
) -> tuple[SpecRun, ModelSetup]:
    """Label the candidates of ``options.paths`` with ``options.models[0]``; the caller closes
    the returned setup (its guard) and writes ``text`` unless it planned. With ``changed``,
    only candidates called from changed code (a diff scan spends model work there alone)."""
    setup = build_setup(config, dataclasses.replace(options, triage=False, hunt=False))
    catalog = load_catalog(config)
    rules = catalog.for_analyzer("engine")
    spec = build_spec(rules, tuple(config.rule_files))
    _root, files, _skipped = read_files([Path(p) for p in options.paths], config)
    found = find_candidates(files, spec)
    if changed is not None:
        found = [
            c for c in found if c.site is not None and changed.touches(c.site.path, c.site.line, c.site.line)
        ]
    asked = found[:max_candidates]
    kinds = sorted(
        {str(r.data.get("kind")) for r in rules if r.data.get("sink") and not r.data.get("sources")}
    )
    assert setup.run is not None
    inference = infer(setup.run, asked, kinds)
    model = setup.run.names[0]
    text = "" if options.plan else render(inference.labels, rules, f" with model {model}")
    usage = setup.run.router.usage()
    return SpecRun(
        tuple(asked), inference, text, specs_path(options.paths), usage, len(found) - len(asked)
    ), setup
