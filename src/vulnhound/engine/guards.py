"""Guards: conditions that validate a variable in the branch they protect.

Allowlist membership, equality with constants, isinstance with clean types, and the guard calls
and methods of the rule data (`re.fullmatch`, `url_has_allowed_host_and_scheme`, `startswith`,
`is_relative_to`, `commonpath(...) == base`, an empty `urlparse(x).netloc`). A refinement names
the variable and the sink kinds the check clears (or, for partial checks, only narrows).
"""

from __future__ import annotations

import ast
import re

from vulnhound.engine.modules import dotted
from vulnhound.engine.spec import ALL, GuardSpec
from vulnhound.engine.taint import NOCONST, QUOTE_MARK, Val, clear_all
from vulnhound.engine.walker import CLEAN_TYPES, Env, WalkerBase


def _root_key(node: ast.expr) -> tuple[str, ast.expr] | None:
    """The variable an allowlist check validates: x in `x`, `x.lower()`, `urlparse(x).netloc`."""
    while True:
        if isinstance(node, ast.Name):
            return node.id, node
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name is not None and name.startswith("self."):
                return name, node
            node = node.value
        elif isinstance(node, ast.Call):
            if node.args:
                node = node.args[0]
            elif isinstance(node.func, ast.Attribute):
                node = node.func.value
            else:
                return None
        else:
            return None


def _common(
    alternatives: list[list[tuple[str, ast.expr, frozenset[str]]]],
) -> list[tuple[str, ast.expr, frozenset[str]]]:
    """Refinements that hold whichever alternative is true: per variable, the kinds all clear."""
    if not alternatives or any(not alt for alt in alternatives):
        return []
    merged: dict[str, tuple[ast.expr, frozenset[str]]] = {}
    for key, node, kinds in alternatives[0]:
        merged[key] = (node, merged[key][1] | kinds if key in merged else kinds)
    for alt in alternatives[1:]:
        here: dict[str, frozenset[str]] = {}
        for key, _node, kinds in alt:
            here[key] = here.get(key, frozenset()) | kinds
        for key in list(merged):
            if key not in here:
                del merged[key]
                continue
            mine, theirs = merged[key][1], here[key]
            kinds = theirs if ALL in mine else mine if ALL in theirs else mine & theirs
            if kinds:
                merged[key] = (merged[key][0], kinds)
            else:
                del merged[key]
    return [(key, node, kinds) for key, (node, kinds) in merged.items()]


_SIZE = frozenset({"size"})


_SEARCHES = frozenset({"search", "findall"})
_REGEX_MODULES = frozenset({"re", "regex"})
_COMPILES = frozenset({"re.compile", "regex.compile"})


def _covered(pattern: object, checks: dict[str, frozenset[str]]) -> frozenset[str]:
    """The sink kinds of the absent checks whose text the pattern finds (a short constant
    pattern, tried on those few characters only; the scanned code is never run)."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode("latin-1")
    if not isinstance(pattern, str) or len(pattern) > 300:
        return frozenset()
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return frozenset()
    kinds: frozenset[str] = frozenset()
    for text, cleared in checks.items():
        if compiled.search(text):
            kinds |= cleared
    return kinds


class GuardWalker(WalkerBase):
    """Guards: conditions that validate a variable in the branch they protect."""

    def refinements(
        self, test: ast.expr, env: Env
    ) -> tuple[list[tuple[str, ast.expr, frozenset[str]]], list[tuple[str, ast.expr, frozenset[str]]]]:
        Ref = list[tuple[str, ast.expr, frozenset[str]]]
        pos: Ref = []
        neg: Ref = []
        all_kinds = frozenset({ALL})
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            p, n = self.refinements(test.operand, env)
            return n, p
        if isinstance(test, ast.BoolOp):
            either: list[Ref] = []  # `not (a and b)` holds when `not a` or `not b` does
            for value in test.values:
                p, n = self.refinements(value, env)
                if isinstance(test.op, ast.And):
                    pos.extend(p)
                    either.append(n)
                else:
                    neg.extend(n)
                    either.append(p)
            (neg if isinstance(test.op, ast.And) else pos).extend(_common(either))
            return pos, neg
        if isinstance(test, ast.Name):  # a falsy value (None, "", 0, empty) carries nothing
            neg.append((test.id, test, all_kinds))
            return pos, neg
        if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Call):
            # `if urlparse(x).netloc: abort()`: x is checked where the attribute is empty
            for guard, checked in self._guard_calls(test.value):
                if test.attr in guard.falsy_attrs:
                    root = _root_key(checked)
                    if root:
                        neg.append((*root, guard.clears))
            return pos, neg
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call):
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, ast.Is | ast.IsNot) and isinstance(right, ast.Constant) and right.value is None:
                p, n = self.refinements(test.left, env)  # `P.search(x) is not None` is `P.search(x)`
                return (p, n) if isinstance(op, ast.IsNot) else (n, p)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            if isinstance(op, ast.In | ast.NotIn):
                quote = left.value if isinstance(left, ast.Constant) else None
                text = quote.decode("latin-1") if isinstance(quote, bytes) else quote
                absent = self.spec.absent_checks.get(text) if isinstance(text, str) else None
                holder = _root_key(right) if absent else None
                if absent and holder:  # `if "\n" in value: reject`: value holds no line break
                    (neg if isinstance(op, ast.In) else pos).append((*holder, absent))
                if isinstance(quote, str) and quote in self.spec.quote_checks:
                    quoted = _root_key(right)  # `if "'" in x: reject`: x cannot close a literal it opens
                    if quoted:
                        (neg if isinstance(op, ast.In) else pos).append(
                            (*quoted, frozenset({QUOTE_MARK + quote}))
                        )
                root = _root_key(left)
                if root and not self.eval(right, env).taint and not isinstance(right, ast.Constant):
                    (pos if isinstance(op, ast.In) else neg).append((*root, all_kinds))
            elif isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE):
                # `n < MAX` / `n > MAX: reject`: an upper bound ends what a number can allocate
                below = isinstance(op, ast.Lt | ast.LtE)
                for a, b, upper in ((left, right, below), (right, left, not below)):
                    root = _root_key(a) if isinstance(a, ast.Name | ast.Attribute) else None
                    if root and self.const(b, env) is not NOCONST:
                        (pos if upper else neg).append((*root, _SIZE))
            elif isinstance(op, ast.Eq | ast.NotEq):
                for a, b in ((left, right), (right, left)):
                    root = _root_key(a) if isinstance(a, ast.Name | ast.Attribute) else None
                    if root and self.const(b, env) is not NOCONST:
                        (pos if isinstance(op, ast.Eq) else neg).append((*root, all_kinds))
                    if isinstance(a, ast.Call):  # os.path.commonpath([base, p]) == base
                        for guard, checked in self._guard_calls(a):
                            parts = checked.elts if isinstance(checked, ast.List | ast.Tuple) else [checked]
                            for part in parts:
                                root = _root_key(part) if guard.compare else None
                                if root:
                                    (pos if isinstance(op, ast.Eq) else neg).append((*root, guard.clears))
            return pos, neg
        if isinstance(test, ast.Call):
            func = test.func
            name = dotted(func)
            qual = self.s.program.qualify(self.module, name) if name else ""
            if qual == "isinstance" and len(test.args) == 2:
                types = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
                if all((dotted(t) or "") in CLEAN_TYPES for t in types):
                    root = _root_key(test.args[0])
                    if root:
                        pos.append((*root, all_kinds))
                return pos, neg
            denied = self._denied(test, env)
            if denied:  # `if BAD.search(x): raise`: where nothing was found, x holds none of it
                neg.append(denied)
            for guard, checked in self._guard_calls(test):
                root = _root_key(checked) if not (guard.falsy_attrs or guard.compare) else None
                if root:
                    pos.append((*root, guard.clears))
            if isinstance(func, ast.Attribute) and func.attr in self.spec.guard_methods:
                root = _root_key(func.value)
                if root:
                    pos.append((*root, self.spec.guard_methods[func.attr]))
        return pos, neg

    def raised_checks(self, call: ast.Call) -> list[tuple[str, ast.expr, frozenset[str]]]:
        """`p.relative_to(base)` as a statement: past it, p is checked (it raised otherwise)."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return []
        kinds = self.spec.raising_methods.get(func.attr)
        root = _root_key(func.value) if kinds else None
        return [(*root, kinds)] if root and kinds else []

    def _denied(self, call: ast.Call, env: Env) -> tuple[str, ast.expr, frozenset[str]] | None:
        """A regex search for forbidden text (`re.search(r"[\\r\\n]", x)`, `BAD.search(x)` with
        `BAD = re.compile(...)`): the absent checks its pattern covers, for the searched value."""
        func = call.func
        if not self.spec.absent_checks or not isinstance(func, ast.Attribute) or not call.args:
            return None
        if func.attr not in _SEARCHES:
            return None
        name = dotted(func.value) if not isinstance(func.value, ast.Call) else None
        if name and self.s.program.qualify(self.module, name) in _REGEX_MODULES:
            if len(call.args) < 2:
                return None
            pattern, checked = self.const(call.args[0], env), call.args[1]
        elif isinstance(func.value, ast.Name):
            pattern, checked = self._compiled(func.value.id), call.args[0]
        else:
            return None
        kinds = _covered(pattern, self.spec.absent_checks)
        root = _root_key(checked) if kinds else None
        return (*root, kinds) if root else None

    def _compiled(self, name: str) -> object:
        """The pattern text of a module-level `NAME = re.compile("...")`, or NOCONST."""
        found: object = NOCONST
        for stmt in self.module.tree.body:
            value: ast.expr | None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            else:
                continue
            if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
                continue
            callee = dotted(value.func) if isinstance(value, ast.Call) else None
            if (
                not isinstance(value, ast.Call)
                or not value.args
                or not isinstance(value.args[0], ast.Constant)
                or not callee
                or self.s.program.qualify(self.module, callee) not in _COMPILES
                or found is not NOCONST
            ):
                return NOCONST  # bound to something else, or more than once: unknown
            found = value.args[0].value
        return found

    def _guard_calls(self, call: ast.Call) -> list[tuple[GuardSpec, ast.expr]]:
        """The guards a call matches, each with the argument it checks."""
        name = dotted(call.func)
        qual = self.s.program.qualify(self.module, name) if name else ""
        found: list[tuple[GuardSpec, ast.expr]] = []
        if not qual:
            return found
        for guard in self.spec.guards:
            if not guard.calls.match(qual):
                continue
            checked = call.args[guard.arg] if len(call.args) > guard.arg else None
            for kw in call.keywords:
                if guard.keyword and kw.arg == guard.keyword:
                    checked = kw.value
            if checked is not None:
                found.append((guard, checked))
        return found

    def _apply(self, refs: list[tuple[str, ast.expr, frozenset[str]]], env: Env) -> None:
        for key, node, kinds in refs:
            val = env.get(key)
            if val is None:
                if "." not in key:
                    continue
                val = self.eval(node, env)
            if ALL in kinds:
                env[key] = Val(const=val.const, tag=val.tag)
            elif val.taint:
                env[key] = val.with_taint(clear_all(val.taint, kinds))
