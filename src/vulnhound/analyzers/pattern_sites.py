"""What the ``patterns`` analyzer knows about one module before it matches rules.

:func:`module_facts` reads the imports (a walk over statements only: expressions cannot hold
imports) and the module-level literal assignments; whether such a name is bound once in the
whole file, which needs every node, is worked out only when a name is looked up.
:func:`live_sites` is one iterative, type-dispatched walk yielding the calls and assignments
that can run, each with its enclosing scope and the names its value serves. Both are
iterative because scanned code may nest deeper than Python's recursion limit.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator, Mapping
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


# Fields that never hold a node worth visiting: identifiers, flags, operator tokens, contexts.
_SCALAR_FIELDS = frozenset(
    {
        "id", "ctx", "attr", "kind", "type_comment", "module", "level", "asname", "arg",
        "simple", "conversion", "rest", "kwd_attrs", "op", "ops", "tag", "lineno",
    }
)  # fmt: skip
_SCALAR_BY_TYPE: dict[type, frozenset[str]] = {
    ast.Constant: frozenset({"value"}),
    ast.MatchSingleton: frozenset({"value"}),
    ast.Import: frozenset({"names"}),  # aliases: bindings are read from the statement itself
    ast.ImportFrom: frozenset({"names"}),
    ast.Global: frozenset({"names"}),
    ast.Nonlocal: frozenset({"names"}),
}
_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields that can hold statements (or the handlers and cases that do), in field order.
_BLOCK_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")
_BLOCKS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that may hold child nodes, in ``_fields`` order."""
    fields = _FIELDS.get(kind)
    if fields is None:
        skip = _SCALAR_FIELDS | _SCALAR_BY_TYPE.get(kind, frozenset())
        if kind.__name__ != "TypeAlias":  # ``type X = ...``: its name is a Name node
            skip |= {"name"}
        fields = tuple(f for f in getattr(kind, "_fields", ()) if f not in skip)
        _FIELDS[kind] = fields
    return fields


def _block_fields(kind: type) -> tuple[str, ...]:
    blocks = _BLOCKS.get(kind)
    if blocks is None:
        if issubclass(kind, ast.stmt | ast.Module | ast.excepthandler | ast.match_case):
            blocks = tuple(f for f in getattr(kind, "_fields", ()) if f in _BLOCK_FIELDS)
        else:
            blocks = ()  # an expression's body (lambda, if-expression) holds no statements
        _BLOCKS[kind] = blocks
    return blocks


def _children(node: ast.AST) -> list[Any]:
    """Child nodes in ``iter_child_nodes`` order, minus scalar fields (and maybe ``None``s)."""
    out: list[Any] = []
    for field in _fields(type(node)):
        value = getattr(node, field, None)
        if type(value) is list:
            out.extend(value)
        elif value is not None:
            out.append(value)
    return out


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


_BINDER_TYPES = frozenset({ast.Name, *_BINDERS})


def _binding_counts(tree: ast.Module, wanted: frozenset[str]) -> dict[str, int]:
    """How often each name of ``wanted`` is bound anywhere in the file (one full walk)."""
    counts: dict[str, int] = dict.fromkeys(wanted, 0)
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _BINDER_TYPES:
            for name in _bound_names(node):
                if name in counts:
                    counts[name] += 1
            if kind is ast.Name:
                continue
        for field in _fields(kind):
            value = getattr(node, field, None)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return counts


class ModuleFacts:
    """Import aliases, and the names bound once in the file, to a literal, at module level."""

    __slots__ = ("_candidates", "_constants", "_tree", "aliases")

    def __init__(
        self,
        aliases: dict[str, str],
        candidates: dict[str, Any],
        tree: ast.Module | None = None,
    ) -> None:
        self.aliases = aliases
        # Module-level literal assignments; which of them are bound only once is learnt on
        # first use, since that needs a walk over every node of the file.
        self._candidates = candidates
        self._tree = tree
        self._constants: dict[str, Any] | None = None if tree is not None else dict(candidates)

    @property
    def constants(self) -> dict[str, Any]:
        if self._constants is None:
            assert self._tree is not None
            counts = _binding_counts(self._tree, frozenset(self._candidates))
            self._constants = {k: v for k, v in self._candidates.items() if counts[k] == 1}
            self._tree = None
        return self._constants

    def _constant(self, name: str) -> Any:
        if name not in self._candidates:
            return MISSING
        return self.constants.get(name, MISSING)

    def value(self, node: ast.expr) -> Any:
        """An argument as data: a literal, a module constant's literal, or a qualified name."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            constant = self._constant(node.id)
            if constant is not MISSING:
                return constant
        name = dotted_name(node)
        return qualify(name, self.aliases) if name else MISSING

    def literal(self, node: ast.expr) -> Any:
        """A literal, or a module constant's literal; MISSING for anything else."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._constant(node.id)
        return MISSING


def module_facts(tree: ast.Module) -> ModuleFacts:
    """Import aliases (in ``ast.walk`` order, so a later import of a name wins as before) and
    the module-level literal assignments that may be constants."""
    aliases: dict[str, str] = {}
    star = False
    queue: deque[Any] = deque([tree])  # breadth first, as ast.walk
    while queue:
        node = queue.popleft()
        kind = type(node)
        if kind is ast.Import:
            aliases.update(_import_binding(a, None) for a in node.names)
            star = star or any(a.name == "*" for a in node.names)
        elif kind is ast.ImportFrom:
            if node.module and node.level == 0:
                aliases.update(_import_binding(a, node.module) for a in node.names)
            star = star or any(a.name == "*" for a in node.names)
        for field in _block_fields(kind):
            queue.extend(getattr(node, field, None) or ())
    candidates: dict[str, Any] = {}
    if not star:  # a star import may rebind anything
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.Constant):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        candidates[target.id] = stmt.value.value
    return ModuleFacts(aliases, candidates, tree if candidates else None)


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
_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SNAKED: dict[str, str] = {}


def snake(name: str) -> str:
    """``resetToken`` -> ``reset_token`` (memoised)."""
    snaked = _SNAKED.get(name)
    if snaked is None:
        snaked = _SNAKE.sub("_", name).lower()
        if len(_SNAKED) < 65536:  # identifiers repeat across files; bound the memo anyway
            _SNAKED[name] = snaked
    return snaked


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
    return tuple(snake(n) for n in names)


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
    says the statement runs unconditionally at module level; ``guarded`` says it runs only
    when a condition that is not constant holds (``if not validate_cert:``).
    """

    node: ast.Call | ast.Assign | ast.AnnAssign
    scope: str
    names: tuple[str, ...]
    toplevel: bool
    guarded: bool = False


# A frame is (scope, function, names, toplevel, guarded): a plain tuple, as one is made per node.
_Frame = tuple[str, str, tuple[str, ...], bool, bool]

# Nothing below these matters: a Name's ctx, operator tokens.
_LEAVES = frozenset(
    {ast.Name, ast.Constant}.union(
        *(
            kind.__subclasses__()
            for kind in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
        )
    )
)
_DEFS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_BRANCHES = frozenset({ast.If, ast.While, ast.IfExp})
_TRIES = frozenset({ast.Try, ast.TryStar})
_ASSIGNS = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign})
_SITES = frozenset({ast.Call, ast.Assign, ast.AnnAssign})
_STATEMENTS: dict[type, bool] = {}


def _is_statement(kind: type) -> bool:
    known = _STATEMENTS.get(kind)
    if known is None:
        known = _STATEMENTS[kind] = issubclass(kind, ast.stmt)
    return known


def _stmt(frame: _Frame, toplevel: bool = False) -> _Frame:
    """The frame a statement is seen in: no names yet (reused when it is already so)."""
    if not frame[2] and frame[3] == toplevel:
        return frame
    return (frame[0], frame[1], (), toplevel, frame[4])


def _named(frame: _Frame, track: tuple[str, ...] | None, *more: str) -> _Frame:
    """The frame of a value that serves ``more`` names; ``track`` None: names are not kept."""
    if track is None:
        return _stmt(frame)
    added = tuple(snake(n) for n in more if n)
    return (frame[0], frame[1], (frame[2] + added)[-_MAX_NAMES:], False, frame[4])


def live_sites(tree: ast.Module, facts: ModuleFacts, names: bool = True) -> Iterator[Site]:
    """Every call and assignment outside dead branches, in no particular order.

    With ``names=False`` the names a value serves are not tracked (every site gets ``()``),
    which saves work when no rule asks for them.
    """
    track: tuple[str, ...] | None = () if names else None
    stack: list[tuple[Any, _Frame]] = [(tree, ("", "", (), True, False))]
    push = stack.append
    while stack:
        node, frame = stack.pop()
        kind = type(node)
        if kind in _SITES:
            yield Site(node, frame[0], frame[2], frame[3], frame[4])
        if kind is ast.Call:
            if track is None:
                passed = _stmt(frame)
            else:
                callee = dotted_name(node.func) or ""
                passed = _named(frame, track, callee.rpartition(".")[2])
            push((node.func, frame))
            for arg in node.args:
                if type(arg) not in _LEAVES:
                    push((arg, passed))
            for keyword in node.keywords:
                push((keyword, frame))
        elif kind is ast.keyword:
            push((node.value, _named(frame, track, node.arg or "")))
        elif kind in _ASSIGNS:
            statement = _stmt(frame)
            if kind is ast.Assign:
                targets = node.targets
                for target in targets:
                    push((target, statement))
            else:
                targets = [node.target]
                push((node.target, statement))
                if kind is ast.AnnAssign:
                    push((node.annotation, statement))
            if node.value is not None:
                served = () if track is None else [n for t in targets for n in target_names(t)]
                push((node.value, _named(statement, track, *served)))
        elif kind in _BRANCHES:
            truth = static_truth(node.test, facts)
            if kind is ast.IfExp:
                sub = frame
                push((node.test, frame))
                body, orelse = [node.body], [node.orelse]
            else:
                live = kind is ast.If and frame[3] and truth is not None
                sub = _stmt(frame, live)
                push((node.test, _stmt(frame)))
                body, orelse = node.body, node.orelse
            if truth is None and not sub[4]:
                sub = (sub[0], sub[1], sub[2], sub[3], True)
            if truth is not False:
                for child in body:
                    push((child, sub))
            if truth is not True:
                for child in orelse:
                    push((child, sub))
        elif kind in _DEFS:
            scope = f"{frame[0]}.{node.name}" if frame[0] else node.name
            inner = (scope, "" if kind is ast.ClassDef else node.name, (), False, False)
            outer = _stmt(frame)
            for field in _fields(kind):
                if field != "body":
                    value = getattr(node, field, None)
                    if type(value) is list:
                        for child in value:
                            push((child, outer))
                    elif value is not None:
                        push((value, outer))
            for child in node.body:
                push((child, inner))
        elif kind is ast.Module:
            top = _stmt(frame, True)
            for child in node.body:
                push((child, top))
        elif kind in _TRIES:
            top = _stmt(frame, frame[3])
            for child in node.body:
                push((child, top))
            for child in node.finalbody:
                push((child, top))
            rest = _stmt(frame)
            for child in node.handlers:
                push((child, rest))
            for child in node.orelse:
                push((child, rest))
        elif kind is ast.Attribute and track is not None and type(node.value) is ast.Call:
            push((node.value, _named(frame, track, node.attr)))  # sha1().digest_size
        elif kind is ast.NamedExpr:
            push((node.value, _named(frame, track, node.target.id)))
        elif kind is ast.Return and node.value is not None:
            push((node.value, _named(_stmt(frame), track, frame[1])))
        elif kind is ast.Dict:
            for key in node.keys:
                if key is not None and type(key) not in _LEAVES:
                    push((key, frame))
            for key, value in zip(node.keys, node.values, strict=True):
                if type(value) in _LEAVES:
                    continue
                if track is None:
                    push((value, frame))
                else:
                    named = key.value if type(key) is ast.Constant and isinstance(key.value, str) else ""
                    push((value, _named(frame, track, named)))
        elif kind not in _LEAVES:
            sub = _stmt(frame) if _is_statement(kind) else frame
            for field in _fields(kind):
                value = getattr(node, field, None)
                if type(value) is list:
                    for child in value:
                        if child is not None and type(child) not in _LEAVES:
                            push((child, sub))
                elif value is not None and type(value) not in _LEAVES:
                    push((value, sub))
