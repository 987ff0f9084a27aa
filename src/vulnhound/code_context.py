"""Where a finding lives: production, test, example or docs code, by path conventions.

The conventions are data (``vulnhound/data/contexts.toml``): gitignore-style patterns per
context, matched against a file's path relative to the scan root. A configuration's
``[contexts]`` table replaces the patterns of each context it names. The pipeline sets
:attr:`Finding.code_context` from them, caps the severity of taint findings outside
production code, and the exit code counts production findings only unless told otherwise.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pathspec
from pathspec.pattern import Pattern

from vulnhound.errors import ConfigError
from vulnhound.findings import CodeContext, Finding, Severity

# Most specific claim first: "production" lets a configuration claim shipped code back.
PRECEDENCE: tuple[CodeContext, ...] = (
    CodeContext.PRODUCTION,
    CodeContext.TEST,
    CodeContext.EXAMPLE,
    CodeContext.DOCS,
)

Spec = pathspec.PathSpec[Pattern]


@functools.cache
def _defaults() -> dict[str, Any]:
    text = resources.files("vulnhound").joinpath("data", "contexts.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.lru_cache(maxsize=64)
def _spec(patterns: tuple[str, ...]) -> Spec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


@dataclass(frozen=True)
class ContextRules:
    """Patterns per context (gitignore syntax, relative to the scan root), and the severity cap.

    ``capped_analyzers`` name the analyzers whose findings outside production code are
    reported at most at ``severity_cap``.
    """

    patterns: tuple[tuple[CodeContext, tuple[str, ...]], ...]
    capped_analyzers: tuple[str, ...] = ()
    severity_cap: Severity = Severity.LOW

    @classmethod
    def default(cls) -> ContextRules:
        return _default_rules()

    def patterns_for(self, context: CodeContext) -> tuple[str, ...]:
        return dict(self.patterns).get(context, ())

    def with_patterns(self, changes: Mapping[CodeContext, Iterable[str]]) -> ContextRules:
        """These rules with the patterns of the contexts in ``changes`` replaced."""
        merged = dict(self.patterns)
        merged.update({context: tuple(globs) for context, globs in changes.items()})
        return replace(self, patterns=tuple((c, merged.get(c, ())) for c in PRECEDENCE))

    def classify(self, path: str) -> CodeContext:
        """The context of a file by its POSIX path relative to the scan root.

        Of a path outside the root (absolute) only the file name counts: the directories
        above the root say nothing about the project (a temporary folder may be "test_x0").
        """
        relative = path.rsplit("/", 1)[-1] if path.startswith("/") else path
        for context, globs in self.patterns:
            if globs and _spec(globs).match_file(relative):
                return context
        return CodeContext.PRODUCTION

    def apply(self, finding: Finding, uncapped: Collection[CodeContext] = ()) -> Finding:
        """``finding`` with its code context set and, outside production code, its severity capped.

        Contexts in ``uncapped`` (those a build fails on, ``fail_on_contexts``) are held to
        production standards: no cap. A capped finding keeps its analyzer's severity as the
        ``original_severity`` property.
        """
        context = self.classify(finding.location.path)
        if context is CodeContext.PRODUCTION or context in uncapped:
            return finding if finding.code_context is context else replace(finding, code_context=context)
        capped = any(a in self.capped_analyzers for a in finding.analyzers)
        if capped and finding.severity.rank > self.severity_cap.rank:
            return replace(
                finding,
                code_context=context,
                severity=self.severity_cap,
                properties=(*finding.properties, ("original_severity", finding.severity.value)),
            )
        return replace(finding, code_context=context)


@functools.cache
def _default_rules() -> ContextRules:
    data = _defaults()
    conventions = data.get("conventions", {})
    cap = data.get("severity_cap", {})
    return ContextRules(
        patterns=tuple((c, tuple(conventions.get(c.value, ()))) for c in PRECEDENCE),
        capped_analyzers=tuple(cap.get("analyzers", ())),
        severity_cap=Severity(cap.get("max", Severity.LOW.value)),
    )


def classify(path: str, rules: ContextRules | None = None) -> CodeContext:
    """The context of ``path`` (relative to the scan root) under ``rules`` (default: built-in)."""
    return (rules or _default_rules()).classify(path)


def parse_context_name(value: str, key: str, where: str) -> tuple[CodeContext, ...]:
    """One context name, or ``all``; raises :class:`ConfigError` naming the key otherwise."""
    name = value.strip().lower()
    if name == "all":
        return PRECEDENCE
    try:
        return (CodeContext(name),)
    except ValueError:
        choices = ", ".join([*(c.value for c in PRECEDENCE), "all"])
        raise ConfigError(f"{where}: key '{key}' must name contexts among {choices}; got {value!r}") from None


def parse_contexts_section(value: Any, where: str, _base_dir: Path) -> ContextRules:
    """The ``[contexts]`` table: ``test = ["globs"...]`` etc., each replacing that context's defaults."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: key 'contexts' must be a table of context = [globs]")
    changes: dict[CodeContext, tuple[str, ...]] = {}
    for name, globs in value.items():
        (context, *more) = parse_context_name(str(name), f"contexts.{name}", where)
        if more or str(name).strip().lower() == "all":
            raise ConfigError(f"{where}: key 'contexts.{name}' must name one context")
        if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
            raise ConfigError(f"{where}: key 'contexts.{name}' must be a list of glob strings, got {globs!r}")
        try:
            _spec(tuple(globs))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: key 'contexts.{name}' has an invalid glob: {exc}") from None
        changes[context] = tuple(globs)
    return _default_rules().with_patterns(changes)


__all__ = ["PRECEDENCE", "CodeContext", "ContextRules", "classify", "parse_contexts_section"]
