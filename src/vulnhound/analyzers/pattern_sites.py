"""What the ``patterns`` analyzer knows about one module before it matches rules.

Two linear passes per file: :func:`module_facts` (one ``ast.walk``: imports, bindings,
constants) and :func:`live_sites` (one iterative walk yielding the calls and assignments
that can run, each with its enclosing scope and the names its value serves). Both are
iterative because scanned code may nest deeper than Python's recursion limit.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MISSING: Any = object()  # a value that is not known statically
_MAX_NAMES = 6  # names kept per site: the nearest ones say what a value is for
_MAX_TRUTH_DEPTH = 32


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


def qualify(name: str, aliases: Mapping[str, str]) -> str:
    head, _, rest = name.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def _import_binding(alias: ast.alias, module: str | None) -> tuple[str, str]:
    if module is not None:
        return alias.asname or alias.name, f"{module}.{alias.name}"
    if alias.asname:
        return alias.asname, alias.name
    head = alias.name.split(".")[0]
    return head, head


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name for every import in the module (any depth)."""
    return module_facts(tree).aliases


@dataclass(frozen=True)
class ModuleFacts:
    """Import aliases, and the names bound once in the file, to a literal, at module level."""

    aliases: dict[str, str]
    constants: dict[str, Any]

    def value(self, node: ast.expr) -> Any:
        """An argument as data: a literal, a module constant's literal, or a qualified name."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        name = dotted_name(node)
        return qualify(name, self.aliases) if name else MISSING

    def literal(self, node: ast.expr) -> Any:
        """A literal, or a module constant's literal; MISSING for anything else."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id, MISSING)
        return MISSING


_BINDERS = (
    ast.arg,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Global,
    ast.Nonlocal,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
    ast.MatchMapping,
    ast.Import,
    ast.ImportFrom,
)


def _bound_names(node: ast.AST) -> list[str]:
    """Names a node binds (in any scope): a name bound twice anywhere is not a constant."""
    if type(node) is ast.Name:
        return [] if type(node.ctx) is ast.Load else [node.id]
    if not isinstance(node, _BINDERS):
        return []
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Global | ast.Nonlocal):
        return list(node.names)
    if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return ["*" if a.name == "*" else _import_binding(a, None)[0] for a in node.names]
    return []


def module_facts(tree: ast.Module) -> ModuleFacts:
    """One walk: import aliases, binding counts, and the module-level literal assignments."""
    aliases: dict[str, str] = {}
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        for name in _bound_names(node):
            counts[name] = counts.get(name, 0) + 1
        if isinstance(node, ast.Import):
            aliases.update(_import_binding(a, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            aliases.update(_import_binding(a, node.module) for a in node.names)
    constants: dict[str, Any] = {}
    if "*" not in counts:  # a star import may rebind anything
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.Constant):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and counts.get(target.id) == 1:
                        constants[target.id] = stmt.value.value
    return ModuleFacts(aliases, constants)


def static_truth(test: ast.expr, facts: ModuleFacts, depth: int = 0) -> bool | None:
    """The value of a condition that is constant (``if False:``, ``if DEBUG_TOOLBAR:``), else None."""
    if depth > _MAX_TRUTH_DEPTH:
        return None
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = static_truth(test.operand, facts, depth + 1)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [static_truth(v, facts, depth + 1) for v in test.values]
        decisive = isinstance(test.op, ast.Or)  # True decides an "or", False an "and"
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = facts.literal(test.left), facts.literal(test.comparators[0])
        if left is MISSING or right is MISSING:
            return None
        op = test.ops[0]
        if isinstance(op, ast.Eq | ast.Is):
            return bool(left == right)
        if isinstance(op, ast.NotEq | ast.IsNot):
            return bool(left != right)
        return None
    if isinstance(test, ast.Name | ast.Attribute) and facts.value(test) in _TYPE_CHECKING:
        return False
    value = facts.literal(test)
    return None if value is MISSING else bool(value)


_TYPE_CHECKING = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def target_names(target: ast.expr) -> tuple[str, ...]:
    """What an assignment target calls its value: ``x``, ``obj.reset_token``, ``d["otp"]``."""
    names: list[str] = []
    pending = [target]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Tuple | ast.List):
            pending.extend(node.elts)
        elif isinstance(node, ast.Starred):
            pending.append(node.value)
        elif isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.append(key.value)
            else:
                pending.append(node.value)
    return tuple(_snake(n) for n in names)


def target_text(target: ast.expr) -> str | None:
    """``DEBUG``, ``app.debug`` or ``app.config[DEBUG]`` for matching assignment rules."""
    if isinstance(target, ast.Subscript):
        key = target.slice
        base = dotted_name(target.value)
        if base is None or not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            return None
        return f"{base}[{key.value}]"
    return dotted_name(target)


@dataclass(frozen=True, slots=True)
class Site:
    """A call or assignment that can run.

    ``scope`` is the enclosing def/class (for fingerprints); ``names`` are what the value is
    called on its way to a name: assignment targets, keyword and dict keys, callees it is
    passed to, the function it is returned from (snake_case, nearest last); ``toplevel``
    says the statement runs unconditionally at module level.
    """

    node: ast.Call | ast.Assign | ast.AnnAssign
    scope: str
    names: tuple[str, ...]
    toplevel: bool


@dataclass(frozen=True, slots=True)
class _Frame:
    scope: str
    function: str
    names: tuple[str, ...]
    toplevel: bool

    def named(self, *more: str) -> _Frame:
        added = tuple(_snake(n) for n in more if n)
        return _Frame(self.scope, self.function, (self.names + added)[-_MAX_NAMES:], False)

    def statement(self, toplevel: bool = False) -> _Frame:
        return _Frame(self.scope, self.function, (), toplevel)


# Nothing below these matters: a Name's ctx, operator tokens.
_LEAVES = frozenset(
    {ast.Name, ast.Constant}.union(
        *(
            kind.__subclasses__()
            for kind in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
        )
    )
)
_SPECIAL = (
    ast.Module,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.While,
    ast.IfExp,
    ast.Try,
    ast.TryStar,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.NamedExpr,
    ast.keyword,
    ast.Return,
    ast.Dict,
    ast.Call,
)


def _children(node: ast.AST, frame: _Frame, facts: ModuleFacts) -> Sequence[tuple[ast.AST, _Frame]]:
    """The live children of a node with the frame each is seen in; dead branches are left out."""
    if type(node) in _LEAVES:
        return ()
    if not isinstance(node, _SPECIAL):
        if isinstance(node, ast.stmt):
            return [(c, frame.statement()) for c in ast.iter_child_nodes(node)]
        return [(c, frame) for c in ast.iter_child_nodes(node)]
    if isinstance(node, ast.Module):
        return [(s, frame.statement(toplevel=True)) for s in node.body]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        scope = f"{frame.scope}.{node.name}" if frame.scope else node.name
        function = "" if isinstance(node, ast.ClassDef) else node.name
        inner = _Frame(scope, function, (), False)
        in_body = {id(s) for s in node.body}
        outer = [(c, frame.statement()) for c in ast.iter_child_nodes(node) if id(c) not in in_body]
        return outer + [(s, inner) for s in node.body]
    if isinstance(node, ast.If | ast.While | ast.IfExp):
        truth = static_truth(node.test, facts)
        stmt = not isinstance(node, ast.IfExp)
        live = stmt and isinstance(node, ast.If) and frame.toplevel and truth is not None
        sub = frame.statement(live) if stmt else frame
        out: list[tuple[ast.AST, _Frame]] = [(node.test, frame.statement() if stmt else frame)]
        body = node.body if isinstance(node.body, list) else [node.body]
        orelse = node.orelse if isinstance(node.orelse, list) else [node.orelse]
        if truth is not False:
            out.extend((c, sub) for c in body)
        if truth is not True:
            out.extend((c, sub) for c in orelse)
        return out
    if isinstance(node, ast.Try | ast.TryStar):
        top = frame.statement(frame.toplevel)
        return [(c, top) for c in node.body + node.finalbody] + [
            (c, frame.statement()) for c in [*node.handlers, *node.orelse]
        ]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [n for t in targets for n in target_names(t)]
        value = [(node.value, frame.statement().named(*names))] if node.value is not None else []
        return [(c, frame.statement()) for c in ast.iter_child_nodes(node) if c is not node.value] + value
    if isinstance(node, ast.NamedExpr):
        return [(node.value, frame.named(node.target.id))]
    if isinstance(node, ast.keyword):
        return [(node.value, frame.named(node.arg or ""))]
    if isinstance(node, ast.Return) and node.value is not None:
        return [(node.value, frame.statement().named(frame.function))]
    if isinstance(node, ast.Dict):
        keyed = [
            (v, frame.named(k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else ""))
            for k, v in zip(node.keys, node.values, strict=True)
        ]
        return [(k, frame) for k in node.keys if k is not None] + keyed
    if isinstance(node, ast.Call):
        callee = dotted_name(node.func) or ""
        passed = frame.named(callee.rpartition(".")[2])
        return [(node.func, frame), *((a, passed) for a in node.args), *((k, frame) for k in node.keywords)]
    if isinstance(node, ast.stmt):
        return [(c, frame.statement()) for c in ast.iter_child_nodes(node)]
    return [(c, frame) for c in ast.iter_child_nodes(node)]


def live_sites(tree: ast.Module, facts: ModuleFacts) -> Iterator[Site]:
    """Every call and assignment outside dead branches, in no particular order."""
    stack: list[tuple[ast.AST, _Frame]] = [(tree, _Frame("", "", (), True))]
    while stack:
        node, frame = stack.pop()
        if isinstance(node, ast.Call | ast.Assign | ast.AnnAssign):
            yield Site(node, frame.scope, frame.names, frame.toplevel)
        stack.extend(_children(node, frame, facts))
