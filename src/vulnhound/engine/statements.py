"""Statements and control flow of the abstract interpreter.

Assignments (names, unpacking, attributes, subscripts, `global` names), branches, loops, try,
with and match, the joining of environments where paths meet, and what nested functions see of
their enclosing scope. Constant conditions pick one branch, so dead code is never walked.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from vulnhound.engine.modules import dotted
from vulnhound.engine.taint import CLEAN, EMPTY, LIBRARY, NOCONST, REQPARAM, Taint, Val, join, step_all, union
from vulnhound.engine.walker import KWARGS, Env, WalkerBase, hashable
from vulnhound.findings import FlowStep


def _concrete(val: Val) -> Val | None:
    """The value without symbolic labels and parameter-bound tags (None: nothing left to see)."""
    tag = "" if val.tag.startswith((REQPARAM, KWARGS)) else val.tag
    taint = tuple(lb for lb in val.taint if not lb.symbolic)
    if not taint and not tag and val.const is NOCONST:
        return None
    if len(taint) == len(val.taint) and tag == val.tag and val.items is None and val.keys is None:
        return val if val.attrs is None else Val(taint, const=val.const, tag=tag, ref=val.ref)
    return Val(taint, const=val.const, tag=tag, ref=val.ref)


def _pattern_matches(
    pattern: ast.pattern, subject: object, const: Callable[[ast.expr], object]
) -> bool | None:
    """Whether a match pattern accepts a constant subject; None when that cannot be told."""
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return True  # `case _` or a capture
    if isinstance(pattern, ast.MatchValue):
        value = const(pattern.value)
        return None if value is NOCONST else bool(value == subject)
    if isinstance(pattern, ast.MatchSingleton):
        return subject is pattern.value
    if isinstance(pattern, ast.MatchOr):
        results = [_pattern_matches(p, subject, const) for p in pattern.patterns]
        if True in results:
            return True
        return None if None in results else False
    return None


def _env_signature(env: Env) -> frozenset[tuple[str, object]]:
    return frozenset((name, (val.tag, tuple(lb.key for lb in val.taint))) for name, val in env.items())


class StatementWalker(WalkerBase):
    """Statements and control flow of the abstract interpreter."""

    def block(self, body: list[ast.stmt], env: Env | None) -> Env | None:
        for stmt in body:
            if env is None:
                return None
            env = self.stmt(stmt, env)
        return env

    def stmt(self, node: ast.stmt, env: Env) -> Env | None:
        self._tick()
        if isinstance(node, ast.Expr):
            value = node.value
            self.eval(value, env)
            if isinstance(value, ast.Call) and self._terminates(value):
                return None
            if isinstance(value, ast.Call):
                self._apply(self.raised_checks(value), env)
            if isinstance(value, ast.Yield | ast.YieldFrom) and value.value is not None:
                self.summary.ret = union(self.summary.ret, self.eval(value.value, env).taint)
            return env
        if isinstance(node, ast.Assign):
            val = self._with_const(node.value, self.eval(node.value, env), env)
            for target in node.targets:
                self.assign(target, val, env, node)
            return env
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, env), env, node)
            return env
        if isinstance(node, ast.AugAssign):
            current = (
                self.eval(node.target, env)
                if not isinstance(node.target, ast.Name)
                else self._name(node.target, env)
            )
            val = self._binop(node.op, current, self.eval(node.value, env), node.value)
            self.assign(node.target, val, env, node)
            return env
        if isinstance(node, ast.Return):
            if node.value is not None:
                val = self.eval(node.value, env)
                self.summary.ret = union(self.summary.ret, val.taint)
                if self.route_return:
                    self._route_return(node.value, val)
            return None
        if isinstance(node, ast.If):
            return self._if(node.test, node.body, node.orelse, env)
        if isinstance(node, ast.For | ast.AsyncFor):
            it = self.eval(node.iter, env)
            element = self._element(it)
            return self._loop(
                node.body, node.orelse, env, lambda e: self.assign(node.target, element, e, node)
            )
        if isinstance(node, ast.While):
            const = self.const(node.test, env)
            if const is not NOCONST and not const:
                return self.block(node.orelse, env)
            self.eval(node.test, env)
            pos, _neg = self.refinements(node.test, env)
            infinite = const is not NOCONST and bool(const)
            return self._loop(node.body, node.orelse, env, lambda e: self._apply(pos, e), infinite=infinite)
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                val = self.eval(item.context_expr, env)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, val, env, node)
            return self.block(node.body, env)
        if isinstance(node, ast.Try) or node.__class__.__name__ == "TryStar":
            return self._try(node, env)
        if isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc, env)
            return None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            prefix = self.fi.qualname if not self.is_module else self.module.name
            env[node.name] = Val(tag=f"func:{prefix}.{node.name}")
            if not self.is_module:
                self._closure(f"{prefix}.{node.name}", env)
            return env
        if isinstance(node, ast.Global):
            self.global_names.update(node.names)
            return env
        if isinstance(node, ast.ClassDef):
            prefix = self.module.name if self.is_module else self.fi.qualname
            env[node.name] = Val(tag=f"class:{prefix}.{node.name}")
            return env
        if isinstance(node, ast.Continue | ast.Break):
            if self.loops:
                self.loops[-1].append(dict(env))
            return None
        if isinstance(node, ast.Assert):
            self.eval(node.test, env)
            pos, _ = self.refinements(node.test, env)
            self._apply(pos, env)
            return env
        if isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    env.pop(target.id, None)
            return env
        if isinstance(node, ast.Match):
            subject = self.eval(node.subject, env)
            taken = self._matching_case(node, env)  # a constant subject: only that case runs
            outs: list[Env | None] = [env] if taken is None else []
            for case in node.cases if taken is None else [taken]:
                branch = dict(env)
                for sub in ast.walk(case.pattern):
                    captured = getattr(sub, "name", None)
                    if isinstance(captured, str):
                        branch[captured] = Val(subject.taint)
                outs.append(self.block(case.body, branch))
            return self._join_envs(outs)
        return env

    def _matching_case(self, node: ast.Match, env: Env) -> ast.match_case | None:
        """The case a constant subject selects, when every case before it is decidable."""
        subject = self.const(node.subject, env)
        if subject is NOCONST:
            return None
        for case in node.cases:
            if case.guard is not None:
                return None
            decided = _pattern_matches(case.pattern, subject, lambda e: self.const(e, env))
            if decided is None:
                return None
            if decided:
                return case
        return None

    _FOLDABLE = (ast.BinOp, ast.Subscript, ast.Call, ast.Tuple)

    def _with_const(self, node: ast.expr, val: Val, env: Env) -> Val:
        """The value with its constant when the expression folds to one (``n = 7 * 42``)."""
        if val.taint or val.const is not NOCONST or not isinstance(node, self._FOLDABLE):
            return val
        const = self.const(node, env)
        if const is NOCONST:
            return val
        return Val(const=const, items=val.items, keys=val.keys, tag=val.tag, attrs=val.attrs)

    def _terminates(self, call: ast.Call) -> bool:
        name = dotted(call.func)
        return name is not None and self.spec.terminators.match(self.s.program.qualify(self.module, name))

    def _if(self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt], env: Env) -> Env | None:
        const = self.const(test, env)
        if const is not NOCONST:
            return self.block(body if const else orelse, env)
        self.eval(test, env)
        pos, neg = self.refinements(test, env)
        then_env = dict(env)
        self._apply(pos, then_env)
        else_env = env
        self._apply(neg, else_env)
        else_copy = dict(else_env)
        return self._join_envs([self.block(body, then_env), self.block(orelse, else_copy)])

    def _loop(
        self,
        body: list[ast.stmt],
        orelse: list[ast.stmt],
        env: Env,
        bind: Callable[[Env], None],
        infinite: bool = False,
    ) -> Env | None:
        exits: list[Env] = []
        self.loops.append(exits)
        current: Env | None = env
        ends: list[Env | None] = [] if infinite else [env]
        try:
            for _ in range(2):  # twice: values carried around the loop reach their uses
                start = dict(current) if current is not None else dict(env)
                bind(start)
                current = self.block(body, start)
                if not infinite:
                    ends.append(current)
                if current is None:
                    break
                if not infinite:
                    current = self._join_envs([env, current])
        finally:
            self.loops.pop()
        if infinite:
            return self._join_envs(list(exits)) if exits else None
        after = self._join_envs([*ends, *exits])
        if after is None:
            return None
        return self.block(orelse, after) if orelse else after

    def _try(self, node: ast.stmt, env: Env) -> Env | None:
        body_env = self.block(node.body, dict(env))  # type: ignore[attr-defined]
        start = self._join_envs([env, body_env]) or dict(env)
        outs: list[Env | None] = []
        for handler in node.handlers:  # type: ignore[attr-defined]
            h_env = dict(start)
            if handler.name:
                h_env[handler.name] = CLEAN
            outs.append(self.block(handler.body, h_env))
        if body_env is not None:
            outs.append(self.block(node.orelse, body_env) if node.orelse else body_env)  # type: ignore[attr-defined]
        result = self._join_envs(outs)
        final = node.finalbody  # type: ignore[attr-defined]
        if final:
            fin_env = self.block(final, dict(result if result is not None else start))
            if fin_env is None or result is None:
                return None
            return fin_env
        return result

    @staticmethod
    def _join_envs(envs: list[Env | None]) -> Env | None:
        live = [e for e in envs if e is not None]
        if not live:
            return None
        if len(live) == 1:
            return live[0]
        out = dict(live[0])
        for other in live[1:]:
            for key, val in other.items():
                mine = out.get(key)
                if mine is not val:
                    out[key] = join(mine, val)
        return out

    def assign(self, target: ast.expr, val: Val, env: Env, stmt: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if val.taint:
                step = FlowStep(self._loc(stmt), f"assigned to {target.id}")
                val = val.with_taint(step_all(val.taint, step))
            env[target.id] = val
            if target.id in self.global_names and not self.is_module:
                self._global_write(target.id, val)
            for key in [k for k in env if k.startswith(target.id + ".")]:
                del env[key]
        elif isinstance(target, ast.Tuple | ast.List):
            elts = target.elts
            starred = any(isinstance(e, ast.Starred) for e in elts)
            if val.items is not None and len(val.items) == len(elts) and not starred:
                for elt, item in zip(elts, val.items, strict=True):
                    self.assign(elt, item, env, stmt)
            else:
                for elt in elts:
                    self.assign(elt, Val(val.taint), env, stmt)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, Val(val.taint), env, stmt)
        elif isinstance(target, ast.Attribute):
            attr_key = dotted(target)
            if attr_key is None:
                return
            if val.taint:
                step = FlowStep(self._loc(stmt), f"assigned to {attr_key}")
                val = val.with_taint(step_all(val.taint, step))
            env[attr_key] = val
            base = target.value
            if isinstance(base, ast.Name):
                owner = env.get(base.id) or self.globals.get(base.id)
                if owner is not None and owner.tag.startswith("self:"):
                    self._self_effect(owner.tag[5:], target.attr, val.taint)
                    if val.tag.startswith("type:"):
                        self.s.class_types.setdefault(owner.tag[5:], {})[target.attr] = val.tag
                elif owner is not None:
                    attrs = dict(owner.attrs or {})
                    attrs[target.attr] = val
                    env[base.id] = Val(
                        union(owner.taint, val.taint),
                        attrs=attrs,
                        tag=owner.tag,
                        ref=owner.ref,
                        items=owner.items,
                        keys=owner.keys,
                    )
        elif isinstance(target, ast.Subscript):
            self._store_sink(target, val, env)
            base = target.value
            skey = base.id if isinstance(base, ast.Name) else dotted(base)
            if skey is None or (skey not in env and skey not in self.globals):
                self.eval(base, env)
                return
            owner = env.get(skey) or self.globals.get(skey) or CLEAN
            index = self.const(target.slice, env)
            keys = owner.keys
            if keys is not None and index is not NOCONST and hashable(index):
                keys = dict(keys)
                keys[index] = val
            elif keys is not None:
                keys = None
            items = owner.items
            if items is not None and isinstance(index, int) and -len(items) <= index < len(items):
                new_items = list(items)
                new_items[index] = val
                items = tuple(new_items)
            elif items is not None:
                items = None
            env[skey] = Val(
                union(owner.taint, val.taint), items=items, keys=keys, tag=owner.tag, attrs=owner.attrs
            )

    def _closure(self, qualname: str, env: Env) -> None:
        """Record what the nested function ``qualname`` sees of this scope at its definition.

        Only concrete taint crosses: this function's parameter labels would be read as the nested
        function's own parameters, and a helper's request parameter is not the nested one's.
        """
        seen: Env = {}
        for name, val in {**self.enclosing, **env}.items():
            concrete = _concrete(val)
            if concrete is not None:
                seen[name] = concrete
        old = self.s.closures.get(qualname)
        if old is None or _env_signature(old) != _env_signature(seen):
            self.s.closures[qualname] = seen if old is None else {**old, **seen}
            self.s.closures_changed.add(qualname)

    def _global_write(self, name: str, val: Val) -> None:
        concrete = _concrete(val)
        if concrete is None or not any(lb.kind != LIBRARY for lb in concrete.taint):
            return
        concrete = Val(tuple(lb for lb in concrete.taint if lb.kind != LIBRARY))
        writes = self.s.global_writes.setdefault(self.module.name, {})
        old = writes.get(name)
        new = join(old, Val(concrete.taint))
        if old is None or len(new.taint) != len(old.taint):
            writes[name] = new
            self.s.globals_changed.add((self.module.name, name))

    def _self_effect(self, cls: str, attr: str, taint: Taint) -> None:
        effects = self.summary.effects
        effects[attr] = union(effects.get(attr, EMPTY), taint)
        concrete = tuple(lb for lb in taint if not lb.symbolic and lb.kind != LIBRARY)
        if concrete:
            store = self.s.class_store.setdefault(cls, {})
            before = store.get(attr, EMPTY)
            after = union(before, concrete)
            if len(after) != len(before):
                store[attr] = after
                self.s.class_store_changed.add(cls)

    def _store_sink(self, target: ast.Subscript, val: Val, env: Env) -> None:
        # the key counts as much as the value: `session[name] = 1` lets the caller pick what is
        # trusted, `headers[name] = v` what header is written
        taint = union(val.taint, self.eval(target.slice, env).taint)
        if not taint:
            return
        name = dotted(target.value)
        qual = self.s.program.qualify(self.module, name) if name else ""
        container = self.eval(target.value, env)
        kind = container.tag[5:] if container.tag.startswith("type:") else ""
        for sink in self.spec.sinks:
            if sink.store is None:
                continue
            if (qual and sink.store.match(qual)) or (kind and sink.store.match(kind)):
                self._hit(sink, target, taint, f"{name or kind}[...]")
