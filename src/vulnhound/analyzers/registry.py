"""Analyzers by name. Factories import lazily so that unused analyzers cost nothing."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from vulnhound.analyzers.interface import Analyzer
from vulnhound.errors import ConfigError

# name -> "module:factory". Factories take no arguments; configuration comes in the context.
_ANALYZERS: dict[str, str] = {
    "engine": "vulnhound.engine.analyzer:TaintAnalyzer",
    "patterns": "vulnhound.analyzers.patterns:PatternAnalyzer",
    "ai-directives": "vulnhound.models.directives:DirectiveAnalyzer",
    "secrets": "vulnhound.guard.secrets_analyzer:SecretsAnalyzer",
}
# Run when the configuration names none.
DEFAULT_ANALYZERS: tuple[str, ...] = ("engine", "patterns", "ai-directives", "secrets")


def available() -> list[str]:
    return sorted(_ANALYZERS)


def register(name: str, target: str) -> None:
    """Add an analyzer (``"package.module:Factory"``), e.g. from a plugin."""
    _ANALYZERS[name] = target


def create(name: str) -> Analyzer:
    target = _ANALYZERS.get(name)
    if target is None:
        raise ConfigError(f"unknown analyzer '{name}' (available: {', '.join(available())})")
    module_name, _, attribute = target.partition(":")
    factory: Callable[[], Analyzer] = getattr(import_module(module_name), attribute)
    return factory()


def rebuildable(analyzer: Analyzer) -> bool:
    """True when ``create(analyzer.name)`` builds an equivalent analyzer in another process.

    Analyzers handed in by a caller (a model analyzer holding a network client) are not.
    """
    target = _ANALYZERS.get(analyzer.name)
    kind = type(analyzer)
    return target == f"{kind.__module__}:{kind.__qualname__}"
