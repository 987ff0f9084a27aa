"""Data-driven call-pattern rules for Python (``rules/data/patterns-*.toml``).

For checks that need no data flow: a weak hash, disabled TLS verification, debug mode.
The callee is resolved through the file's imports, so ``from hashlib import md5 as h``
followed by ``h()`` matches ``hashlib.md5``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.pyparse import PythonSyntaxError, parse_python
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SkipReason, SourceFile

NAME = "patterns"
_MISSING = object()


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain over a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if parts:  # a call or subscript receiver: keep the attribute tail for "*." patterns
        parts.append("?")
        return ".".join(reversed(parts))
    return None


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name for every import in the module (any depth)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    aliases[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def qualify(name: str, aliases: Mapping[str, str]) -> str:
    head, _, rest = name.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def module_constants(tree: ast.Module) -> dict[str, Any]:
    """Top-level names bound exactly once, to a literal constant (``SECURE = True``)."""
    seen: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                counts[target.id] = counts.get(target.id, 0) + 1
                value = getattr(node, "value", None)
                if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(value, ast.Constant):
                    seen[target.id] = value.value
    return {k: v for k, v in seen.items() if counts.get(k) == 1}


_CONSTANTS = "\0constants"


def static_truth(node: ast.expr, constants: Mapping[str, Any]) -> bool | None:
    """True/False for a condition that is constant (``if False:``, ``if DEBUG:``), else None."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return bool(constants[node.id])
    if isinstance(node, ast.Name) and node.id == "TYPE_CHECKING":
        return False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = static_truth(node.operand, constants)
        return None if inner is None else not inner
    return None


def dead_nodes(tree: ast.Module, constants: Mapping[str, Any]) -> set[int]:
    """ids of every node inside a branch that a constant condition never takes."""
    dead: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            truth = static_truth(node.test, constants)
            if truth is None:
                continue
            branch = node.orelse if truth else node.body
            parts = branch if isinstance(branch, list) else [branch]
            for part in parts:
                dead.update(id(n) for n in ast.walk(part))
    return dead


def _constant(node: ast.expr, aliases: Mapping[str, str]) -> Any:
    """A keyword's value as data: constants, or the qualified dotted name."""
    if isinstance(node, ast.Constant):
        return node.value
    constants = aliases.get(_CONSTANTS)
    if isinstance(node, ast.Name) and isinstance(constants, dict) and node.id in constants:
        return constants[node.id]
    name = dotted_name(node)
    return qualify(name, aliases) if name else _MISSING


@dataclass(frozen=True)
class _Matcher:
    exact: frozenset[str]
    suffixes: tuple[str, ...]
    keyword_equals: Mapping[str, Any]
    keyword_absent: tuple[str, ...]
    keyword_not_in: Mapping[str, Sequence[Any]]
    arg_in: Mapping[int, Sequence[Any]]
    arg_nonliteral: int | None
    arg_count_below: int | None
    context_names: tuple[str, ...] = ()  # assigned name or enclosing function must contain one

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> _Matcher:
        calls = table.get("calls")
        if not isinstance(calls, list) or not calls:
            raise RuleError(f"{where}: each [[rule.match]] needs a non-empty 'calls' list")
        known = {
            "calls",
            "keyword_equals",
            "keyword_absent",
            "keyword_not_in",
            "arg_in",
            "arg_nonliteral",
            "arg_count_below",
            "context_names",
        }
        unknown = set(table) - known
        if unknown:
            raise RuleError(f"{where}: unknown match key(s) {', '.join(sorted(unknown))}")
        return cls(
            exact=frozenset(c for c in calls if not c.startswith("*.")),
            suffixes=tuple(c[1:] for c in calls if c.startswith("*.")),
            keyword_equals=dict(table.get("keyword_equals", {})),
            keyword_absent=tuple(table.get("keyword_absent", ())),
            keyword_not_in=dict(table.get("keyword_not_in", {})),
            arg_in={int(k): v for k, v in dict(table.get("arg_in", {})).items()},
            arg_nonliteral=table.get("arg_nonliteral"),
            arg_count_below=table.get("arg_count_below"),
            context_names=tuple(str(n).lower() for n in table.get("context_names", ())),
        )

    def callee_matches(self, qualified: str) -> bool:
        return qualified in self.exact or any(qualified.endswith(s) for s in self.suffixes)

    def matches(self, call: ast.Call, aliases: Mapping[str, str], context: str = "") -> bool:
        if self.context_names and not any(n in context for n in self.context_names):
            return False
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        has_star_kwargs = any(k.arg is None for k in call.keywords)
        for name, expected in self.keyword_equals.items():
            if name not in keywords or _constant(keywords[name], aliases) != expected:
                return False
        if any(name in keywords for name in self.keyword_absent):
            return False
        for name, allowed in self.keyword_not_in.items():
            if name in keywords and _constant(keywords[name], aliases) in allowed:
                return False
            if name not in keywords and has_star_kwargs:
                return False  # **kwargs may well set it: not provable
        for index, allowed in self.arg_in.items():
            if index >= len(call.args) or _constant(call.args[index], aliases) not in allowed:
                return False
        position = self.arg_nonliteral
        if position is not None and (
            position >= len(call.args) or isinstance(call.args[position], ast.Constant)
        ):
            return False
        return self.arg_count_below is None or len(call.args) < self.arg_count_below


@dataclass(frozen=True)
class _Assign:
    """A module-level ``NAME = constant`` (Django's ``DEBUG = True``)."""

    names: frozenset[str]
    value: Any
    path_contains: str

    def matches(self, node: ast.Assign, path: str) -> bool:
        if self.path_contains and self.path_contains not in path:
            return False
        value = node.value
        return (
            isinstance(value, ast.Constant)
            and value.value == self.value
            and type(value.value) is type(self.value)
            and any(isinstance(t, ast.Name) and t.id in self.names for t in node.targets)
        )


@dataclass(frozen=True)
class _Rule:
    info: RuleInfo
    matchers: tuple[_Matcher, ...]
    assigns: tuple[_Assign, ...] = ()


def compile_rules(rules: Sequence[RuleInfo]) -> list[_Rule]:
    compiled = []
    for info in rules:
        tables = info.data.get("match", [])
        assigns = tuple(
            _Assign(frozenset(t.get("names", ())), t.get("value"), str(t.get("path_contains", "")))
            for t in info.data.get("assign", [])
        )
        where = f"{info.origin}: rule '{info.id}'"
        if not isinstance(tables, list) or not (tables or assigns):
            raise RuleError(f"{where}: a patterns rule needs at least one [[rule.match]] table")
        compiled.append(_Rule(info, tuple(_Matcher.from_table(t, where) for t in tables), assigns))
    return compiled


def _call_contexts(tree: ast.Module) -> dict[int, str]:
    """id(call) -> lower-cased names it serves: assignment targets, keyword, enclosing function."""
    contexts: dict[int, str] = {}

    def names_of(node: ast.AST) -> str:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            return " ".join(ast.unparse(t) for t in targets)
        if isinstance(node, ast.keyword) and node.arg:
            return node.arg
        return ""

    def visit(node: ast.AST, function: str, serving: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name, "")
                continue
            here = names_of(child) or serving
            if isinstance(child, ast.Call):
                contexts[id(child)] = f"{here} {function}".lower()
            visit(child, function, here)

    visit(tree, "", "")
    return contexts


def _enclosing_names(tree: ast.Module) -> dict[int, str]:
    """id(call node) -> qualified name of the enclosing def/class, for stable fingerprints."""
    owners: dict[int, str] = {}
    # Iterative on purpose: scanned code may nest deeper than Python's recursion limit.
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.append((child, f"{scope}.{child.name}" if scope else child.name))
            else:
                if isinstance(child, ast.Call):
                    owners[id(child)] = scope
                stack.append((child, scope))
    return owners


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
        constants = module_constants(tree)
        aliases: dict[str, Any] = dict(import_aliases(tree))
        aliases[_CONSTANTS] = constants
        dead = dead_nodes(tree, constants)
        owners = _enclosing_names(tree)
        contexts = _call_contexts(tree) if any(m.context_names for r in rules for m in r.matchers) else {}
        found: list[Finding] = []
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for rule in rules:
                    if any(a.matches(stmt, source.path) for a in rule.assigns):
                        found.append(self._finding(source, stmt, rule.info, "assignment", ""))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in dead:
                continue
            name = dotted_name(node.func)
            if name is None:
                continue
            qualified = qualify(name, aliases)
            for rule in rules:
                context = contexts.get(id(node), "")
                if any(
                    m.callee_matches(qualified) and m.matches(node, aliases, context) for m in rule.matchers
                ):
                    found.append(self._finding(source, node, rule.info, qualified, owners.get(id(node), "")))
        return found

    def _finding(
        self, source: SourceFile, node: ast.Call | ast.Assign, info: RuleInfo, callee: str, scope: str
    ) -> Finding:
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
            message=f"{info.short_description} ({callee if callee == 'assignment' else 'call to ' + callee})",
            location=location,
            analyzers=(NAME,),
            context=scope,
        )
