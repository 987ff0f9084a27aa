"""Data-driven call-pattern rules for Python (``rules/data/patterns-*.toml``).

For checks that need no data flow: a weak hash, disabled TLS verification, debug mode.
The callee is resolved through the file's imports, so ``from hashlib import md5 as h``
followed by ``h()`` matches ``hashlib.md5``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.analyzers.pattern_sites import (
    MISSING,
    ModuleFacts,
    Site,
    dotted_name,
    live_sites,
    module_facts,
    qualify,
    target_text,
)
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.pyparse import PythonSyntaxError, parse_python
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SkipReason, SourceFile

NAME = "patterns"


_UNKNOWN: Any = object()  # an argument that may be given through *args or **kwargs

_MATCH_KEYS = frozenset(
    {
        "calls",
        "keyword_equals",
        "keyword_absent",
        "keyword_not_in",
        "keyword_not_true",
        "keyword_positions",
        "arg_in",
        "arg_nonliteral",
        "arg_count_below",
        "min_args",
        "assigned_to_name_matching",
        "assigned_to_name_not_matching",
    }
)
_ASSIGN_KEYS = frozenset(
    {"targets", "target_not_matching", "value", "path_matching", "path_not_matching", "toplevel"}
)


def _regex(table: Mapping[str, Any], key: str, where: str) -> re.Pattern[str] | None:
    pattern = table.get(key)
    if pattern is None:
        return None
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        raise RuleError(f"{where}: '{key}' is not a valid regular expression: {exc}") from None


def _check_keys(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = set(table) - known
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _split_patterns(patterns: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Exact names, and the ".suffix" of each "*.suffix" pattern."""
    return (
        frozenset(p for p in patterns if not p.startswith("*.")),
        tuple(p[1:] for p in patterns if p.startswith("*.")),
    )


def _true_or_unknown(value: Any) -> bool:
    return value is MISSING or bool(value)


def _same_literal(value: Any, expected: Any) -> bool:
    """Type-strict equality, except that an int stands for a flag (``DEBUG = 1``)."""
    if isinstance(expected, bool) and isinstance(value, int):
        return bool(value) == expected
    return type(value) is type(expected) and bool(value == expected)


@dataclass(frozen=True)
class _Names:
    """The names a value serves must include a security-looking one (``reset_token``)."""

    matching: re.Pattern[str]
    not_matching: re.Pattern[str] | None

    def accept(self, names: Sequence[str]) -> bool:
        return any(
            self.matching.search(n) and not (self.not_matching and self.not_matching.search(n)) for n in names
        )


@dataclass(frozen=True)
class _Matcher:
    exact: frozenset[str]
    suffixes: tuple[str, ...]
    keyword_equals: Mapping[str, Any]
    keyword_absent: tuple[str, ...]
    keyword_not_in: Mapping[str, Sequence[Any]]
    keyword_not_true: tuple[str, ...]
    keyword_positions: Mapping[str, int]
    arg_in: Mapping[int, Sequence[Any]]
    arg_nonliteral: int | None
    arg_count_below: int | None
    min_args: int | None
    names: _Names | None

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> _Matcher:
        calls = table.get("calls")
        if not isinstance(calls, list) or not calls:
            raise RuleError(f"{where}: each [[rule.match]] needs a non-empty 'calls' list")
        _check_keys(table, _MATCH_KEYS, f"{where}: [[rule.match]]")
        matching = _regex(table, "assigned_to_name_matching", where)
        not_matching = _regex(table, "assigned_to_name_not_matching", where)
        if not_matching and not matching:
            raise RuleError(f"{where}: 'assigned_to_name_not_matching' needs 'assigned_to_name_matching'")
        exact, suffixes = _split_patterns(calls)
        return cls(
            exact=exact,
            suffixes=suffixes,
            keyword_equals=dict(table.get("keyword_equals", {})),
            keyword_absent=tuple(table.get("keyword_absent", ())),
            keyword_not_in=dict(table.get("keyword_not_in", {})),
            keyword_not_true=tuple(table.get("keyword_not_true", ())),
            keyword_positions={str(k): int(v) for k, v in dict(table.get("keyword_positions", {})).items()},
            arg_in={int(k): v for k, v in dict(table.get("arg_in", {})).items()},
            arg_nonliteral=table.get("arg_nonliteral"),
            arg_count_below=table.get("arg_count_below"),
            min_args=table.get("min_args"),
            names=_Names(matching, not_matching) if matching else None,
        )

    def _argument(self, call: ast.Call, name: str) -> Any:
        """The argument bound to parameter ``name``; None when surely absent, _UNKNOWN when unprovable."""
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        position = self.keyword_positions.get(name)
        if position is not None:
            for index, arg in enumerate(call.args[: position + 1]):
                if isinstance(arg, ast.Starred):
                    return _UNKNOWN
                if index == position:
                    return arg
        if any(k.arg is None for k in call.keywords):
            return _UNKNOWN  # **kwargs may well set it
        return None

    def matches(self, call: ast.Call, facts: ModuleFacts, names: Sequence[str] = ()) -> bool:
        """All conditions hold for this call (the callee is checked by the caller)."""
        for name, expected in self.keyword_equals.items():
            arg = self._argument(call, name)
            if not isinstance(arg, ast.expr) or facts.value(arg) != expected:
                return False
        if any(self._argument(call, name) is not None for name in self.keyword_absent):
            return False
        for name, allowed in self.keyword_not_in.items():
            arg = self._argument(call, name)
            if arg is _UNKNOWN or (isinstance(arg, ast.expr) and facts.value(arg) in allowed):
                return False
        for name in self.keyword_not_true:  # absent, or a literal that is false
            arg = self._argument(call, name)
            if arg is _UNKNOWN or (isinstance(arg, ast.expr) and _true_or_unknown(facts.literal(arg))):
                return False
        for index, allowed in self.arg_in.items():
            if index >= len(call.args) or facts.value(call.args[index]) not in allowed:
                return False
        position = self.arg_nonliteral
        if position is not None and (
            position >= len(call.args) or isinstance(call.args[position], ast.Constant)
        ):
            return False
        if self.arg_count_below is not None and len(call.args) >= self.arg_count_below:
            return False
        if self.min_args is not None and len(call.args) + len(call.keywords) < self.min_args:
            return False
        return self.names is None or self.names.accept(names)


@dataclass(frozen=True)
class _Assign:
    """An assignment of a literal: ``DEBUG = True`` in a settings module, ``app.debug = True``."""

    exact: frozenset[str]
    suffixes: tuple[str, ...]
    value: Any
    path_matching: re.Pattern[str] | None
    path_not_matching: re.Pattern[str] | None
    toplevel: bool
    target_not_matching: re.Pattern[str] | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> _Assign:
        targets = table.get("targets")
        if not isinstance(targets, list) or not targets or "value" not in table:
            raise RuleError(f"{where}: each [[rule.assign]] needs a non-empty 'targets' list and a 'value'")
        _check_keys(table, _ASSIGN_KEYS, f"{where}: [[rule.assign]]")
        exact, suffixes = _split_patterns(targets)
        return cls(
            exact,
            suffixes,
            table["value"],
            _regex(table, "path_matching", where),
            _regex(table, "path_not_matching", where),
            bool(table.get("toplevel", False)),
            _regex(table, "target_not_matching", where),
        )

    def applies_to(self, path: str) -> bool:
        if self.path_matching and not self.path_matching.search(path):
            return False
        return not (self.path_not_matching and self.path_not_matching.search(path))

    def target(self, site: Site, facts: ModuleFacts) -> str | None:
        """The matched target's text, or None."""
        node = site.node
        if isinstance(node, ast.Call) or node.value is None or (self.toplevel and not site.toplevel):
            return None
        value = facts.literal(node.value)
        if value is MISSING and isinstance(self.value, str):
            value = facts.value(node.value)  # a qualified name: verify_mode = ssl.CERT_NONE
        if not _same_literal(value, self.value):
            return None
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            text = target_text(target)
            if not text or (self.target_not_matching and self.target_not_matching.search(text)):
                continue
            if text in self.exact or text.endswith(self.suffixes):
                return text
        return None


@dataclass(frozen=True)
class _Rule:
    info: RuleInfo
    matchers: tuple[_Matcher, ...]
    assigns: tuple[_Assign, ...] = ()


def compile_rules(rules: Sequence[RuleInfo]) -> list[_Rule]:
    compiled = []
    for info in rules:
        where = f"{info.origin}: rule '{info.id}'"
        tables = info.data.get("match", [])
        assigns = info.data.get("assign", [])
        if not isinstance(tables, list) or not isinstance(assigns, list) or not (tables or assigns):
            raise RuleError(f"{where}: a patterns rule needs a [[rule.match]] or [[rule.assign]] table")
        compiled.append(
            _Rule(
                info,
                tuple(_Matcher.from_table(t, where) for t in tables),
                tuple(_Assign.from_table(t, where) for t in assigns),
            )
        )
    return compiled


@dataclass(frozen=True)
class _Index:
    """Rules by callee, so each call is checked only against the matchers that name it."""

    exact: Mapping[str, Sequence[tuple[_Rule, _Matcher]]]
    suffixes: Sequence[tuple[str, _Rule, _Matcher]]
    assigns: Sequence[_Rule]

    @classmethod
    def build(cls, rules: Sequence[_Rule]) -> _Index:
        exact: dict[str, list[tuple[_Rule, _Matcher]]] = {}
        suffixes: list[tuple[str, _Rule, _Matcher]] = []
        for rule in rules:
            for matcher in rule.matchers:
                for name in matcher.exact:
                    exact.setdefault(name, []).append((rule, matcher))
                suffixes.extend((s, rule, matcher) for s in matcher.suffixes)
        return cls(exact, suffixes, [r for r in rules if r.assigns])

    def candidates(self, qualified: str) -> list[tuple[_Rule, _Matcher]]:
        found = list(self.exact.get(qualified, ()))
        found.extend((r, m) for s, r, m in self.suffixes if qualified.endswith(s))
        return found


class PatternAnalyzer:
    """Matches calls against the data-driven rules of the ``patterns`` analyzer."""

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset({"python"})

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        rules = compile_rules(self.rules(context.rules))
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        for source in files:
            try:
                tree = parse_python(source.text, source.path)
            except PythonSyntaxError as exc:
                skipped.append(Skipped(source.path, SkipReason.SYNTAX_ERROR, str(exc), NAME))
                context.progress(1)
                continue
            findings.extend(self._scan_tree(source, tree, rules))
            context.progress(1)
        return AnalyzerOutput(tuple(findings), tuple(skipped))

    def _scan_tree(self, source: SourceFile, tree: ast.Module, rules: Sequence[_Rule]) -> list[Finding]:
        index = _Index.build(rules)
        facts = module_facts(tree)
        assigns = [(r, a) for r in index.assigns for a in r.assigns if a.applies_to(source.path)]
        found: list[Finding] = []
        for site in live_sites(tree, facts):
            node = site.node
            if not isinstance(node, ast.Call):
                for rule, assign in assigns:
                    target = assign.target(site, facts)
                    if target is not None:
                        found.append(self._finding(source, site, rule.info, f"assignment to {target}"))
                continue
            name = dotted_name(node.func)
            if name is None:
                continue
            qualified = qualify(name, facts.aliases)
            reported: set[str] = set()
            for rule, matcher in index.candidates(qualified):
                if rule.info.id not in reported and matcher.matches(node, facts, site.names):
                    reported.add(rule.info.id)
                    found.append(self._finding(source, site, rule.info, f"call to {qualified}"))
        found.sort(key=lambda f: (f.location.start_line, f.location.start_column, f.rule_id))
        return found

    def _finding(self, source: SourceFile, site: Site, info: RuleInfo, what: str) -> Finding:
        node = site.node
        location = Location(
            source.path,
            node.lineno,
            node.col_offset + 1,
            node.end_lineno or node.lineno,
            (node.end_col_offset or node.col_offset) + 1,
        )
        return Finding(
            rule_id=info.id,
            cwe=info.cwe,
            severity=info.severity,
            confidence=info.confidence,
            message=f"{info.short_description} ({what})",
            location=location,
            analyzers=(NAME,),
            context=site.scope,
        )
