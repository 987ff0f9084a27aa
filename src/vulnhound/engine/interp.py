"""The per-function abstract interpreter.

One walk over a function body computes, for the current callee summaries, which values are
tainted at every point; it reports concrete sources reaching sinks and returns the function's
:class:`Summary` (what flows from parameters and ``self`` attributes to the return value, to
sinks, and into ``self`` attributes). Branches whose condition is a constant are evaluated, so
dead code is not analysed; allowlist guards and sanitizers clear taint per sink kind.
"""

from __future__ import annotations

import ast
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from vulnhound.engine.modules import FunctionInfo, ModuleInfo, Program, dotted
from vulnhound.engine.spec import ALL, EngineSpec, GuardSpec, SinkSpec
from vulnhound.engine.taint import (
    CLEAN,
    EMPTY,
    HIGH,
    MAX_PATH,
    NOCONST,
    PARAM,
    REQATTR,
    REQPARAM,
    SELFATTR,
    Label,
    Taint,
    Val,
    clear_all,
    join,
    step_all,
    union,
    union_all,
)
from vulnhound.engine.views import request_index as request_index_of
from vulnhound.findings import Confidence, FlowStep, Location
from vulnhound.pyparse import location_of

Env = dict[str, Val]
_MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "appendleft", "setdefault", "write", "writelines"}
)
_TERMINATING_RAISE = True
_CLEAN_TYPES = frozenset(
    {
        "int",
        "float",
        "bool",
        "complex",
        "uuid.UUID",
        "UUID",
        "decimal.Decimal",
        "Decimal",
        "datetime.date",
        "datetime.datetime",
        "date",
        "datetime",
    }
)
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}  # fmt: skip


class AnalysisTimeout(Exception):
    """The file's time budget ran out inside this function."""


class SinkHit(NamedTuple):
    label: Label  # symbolic: a parameter or self attribute; path ends at the sink
    spec: SinkSpec
    location: Location
    callee: str
    context: str


@dataclass
class Summary:
    ret: Taint = EMPTY
    sinks: list[SinkHit] = field(default_factory=list)
    effects: dict[str, Taint] = field(default_factory=dict)  # self.attr -> taint written

    def signature(self) -> tuple[frozenset[Any], frozenset[Any], frozenset[Any]]:
        return (
            frozenset(lb.key for lb in self.ret),
            frozenset((h.label.key, h.spec.rule.id, h.location) for h in self.sinks),
            frozenset((k, lb.key) for k, t in self.effects.items() for lb in t),
        )


EMPTY_SUMMARY = Summary()


@dataclass
class Shared:
    """State shared by all function walks of one analysis."""

    program: Program
    spec: EngineSpec
    summaries: dict[str, Summary]
    module_envs: dict[str, Env]
    class_store: dict[str, dict[str, Taint]]
    report: Callable[[SinkSpec, Location, Label, str, str], None]
    taint_parameters: bool = False
    class_types: dict[str, dict[str, str]] = field(default_factory=dict)  # cls -> attr -> type tag
    class_store_changed: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)  # functions whose arguments after request are URL values
    handlers: set[str] = field(default_factory=set)  # framework handler methods (Tornado get/post ...)
    entries: set[str] = field(default_factory=set)  # other functions the framework calls with a request
    inherited: dict[tuple[str, str], str] = field(default_factory=dict)  # (cls, attr) -> Base.attr
    # what a nested function sees of its enclosing function (concrete taint only), by qualname
    closures: dict[str, Env] = field(default_factory=dict)
    closures_changed: set[str] = field(default_factory=set)
    # module globals assigned in functions under `global x`: module -> name -> value
    global_writes: dict[str, Env] = field(default_factory=dict)
    globals_changed: set[tuple[str, str]] = field(default_factory=set)


def _concat(head: tuple[FlowStep, ...], step: FlowStep, tail: tuple[FlowStep, ...]) -> tuple[FlowStep, ...]:
    path = (*head, step, *tail)
    if len(path) > MAX_PATH:
        path = (*path[:4], *path[-(MAX_PATH - 4) :])
    return path


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


class FunctionWalker:
    """Walks one function (or module body) once."""

    def __init__(self, shared: Shared, fi: FunctionInfo, module: ModuleInfo, deadline: float) -> None:
        self.s = shared
        self.spec = shared.spec
        self.fi = fi
        self.module = module
        self.path = module.path
        self.deadline = deadline
        self.summary = Summary()
        self.callees: set[str] = set()
        self.is_module = fi.node is None
        self.globals: Env = {} if self.is_module else shared.module_envs.get(module.name, {})
        self.enclosing: Env = shared.closures.get(fi.qualname, {})
        self.written = shared.global_writes.get(module.name, {})
        self.global_names: set[str] = set()  # declared `global` here
        self.loops: list[list[Env]] = []
        self.route_return = False
        self.context = fi.short if not self.is_module else ""
        self._ticks = 0

    def _loc(self, node: ast.AST) -> Location:
        return location_of(self.path, node, self.module.lines)

    # ---- entry points -------------------------------------------------------------------
    def run(self) -> tuple[Summary, Env]:
        env: Env = {}
        node = self.fi.node
        if node is None:
            out = self.block(self.module.tree.body, env)
            return self.summary, out if out is not None else env
        self._bind_params(node, env)
        self.block(node.body, env)
        return self.summary, env

    def _bind_params(self, node: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: dict[str, ast.expr] = {}
        for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            defaults[a.arg] = d
        for a, kd in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kd is not None:
                defaults[a.arg] = kd
        route = self._route(node)
        self.route_return = route is not None and route[0] == "flask"
        cls_name = self.fi.cls
        views = self.s.views
        handler = self.fi.qualname in self.s.handlers
        # only entry points get the request itself; a helper's `request` is whatever its callers pass
        entry = (
            route is not None or handler or self.fi.qualname in views or self.fi.qualname in self.s.entries
        )
        request_index = request_index_of(self.fi) if self.fi.qualname in views else -1
        names = [(str(i), a) for i, a in enumerate(positional)]
        names += [(str(len(positional) + j), a) for j, a in enumerate(args.kwonlyargs)]
        for index, a in names:
            label = Label(PARAM, index, frozenset(), (), HIGH)
            val = Val((label,))
            ann = dotted(a.annotation) if a.annotation is not None else None
            qual_ann = self.s.program.qualify(self.module, ann) if ann else ""
            if self.fi.is_method and index == "0" and cls_name:
                env[a.arg] = Val(tag=f"self:{cls_name}")
                continue
            if self._is_request(a.arg, ann, qual_ann):
                env[a.arg] = Val(tag="request" if entry else f"{REQPARAM}{index}")
                continue
            source = self._param_source(
                a, int(index), ann, qual_ann, route, request_index, defaults.get(a.arg), handler
            )
            if source:
                step = FlowStep(self._loc(a), f"source: {source[0]}")
                val = Val(union(val.taint, (Label("remote", source[0], frozenset(), (step,), source[1]),)))
            default = defaults.get(a.arg)
            if default is not None and not isinstance(default, ast.Constant):
                dval = self.eval(default, env)
                if dval.taint:
                    val = Val(union(val.taint, dval.taint))
            env[a.arg] = val
        if args.vararg:
            env[args.vararg.arg] = Val((Label(PARAM, "*", frozenset(), (), HIGH),))
        if args.kwarg:
            env[args.kwarg.arg] = Val((Label(PARAM, "**", frozenset(), (), HIGH),), tag=_KWARGS)

    def _is_request(self, name: str, ann: str | None, qual_ann: str) -> bool:
        if ann is not None:
            return (
                qual_ann in self.spec.request_objects
                or ann.rsplit(".", 1)[-1] in self.spec.request_annotations
            )
        return name in self.spec.request_param_names

    def _route(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str] | None:
        """(framework, path) when a decorator binds the function to a URL route."""
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            name = dotted(call.func if call else dec)
            if name is None:
                continue
            qual = self.s.program.qualify(self.module, name)
            if not self.spec.route_decorators.match(qual):
                continue
            # a route decorator belongs to a framework: an imported name (bottle's `route`) or a
            # method of an app/router object, never a function of the scanned code (`def post(fn)`)
            head = name.partition(".")[0]
            if self.s.program.function(qual) is not None or (
                "." not in name and head not in self.module.aliases
            ):
                continue
            # `@app.get` is FastAPI, or Flask 2 shorthand; a dict.get decorator is not a route
            shorthand = name.count(".") == 1 and name.split(".")[1] in (
                "get",
                "post",
                "put",
                "delete",
                "patch",
            )
            if shorthand and not self.module.uses_web:
                continue
            path = ""
            if (
                call
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            ):
                path = call.args[0].value
            framework = "fastapi" if self.module.uses_fastapi and not self.module.uses_flask else "flask"
            return framework, path
        return None

    def _param_source(
        self, a: ast.arg, index: int, ann: str | None, qual_ann: str,
        route: tuple[str, str] | None, request_index: int, default: ast.expr | None, handler: bool,
    ) -> tuple[str, Confidence] | None:  # fmt: skip
        if (ann and (ann in _CLEAN_TYPES or qual_ann in _CLEAN_TYPES)) or a.arg in ("self", "cls"):
            return None
        if ann and (ann.rsplit(".", 1)[-1] in self.spec.clean_annotations):
            return None
        if isinstance(default, ast.Call) and (dotted(default.func) or "").endswith("Depends"):
            return None
        if route is not None:
            framework, path = route
            if framework == "flask":
                for conv in ("int", "float", "uuid"):
                    if f"<{conv}:{a.arg}>" in path:
                        return None
            return f"route parameter '{a.arg}'", HIGH
        if request_index >= 0 and index > request_index:
            return f"view argument '{a.arg}'", HIGH
        if handler and index > 0:
            return f"path argument '{a.arg}'", HIGH
        if self.s.taint_parameters:  # every parameter, by configuration: a guess, not a known entry
            return f"parameter '{a.arg}'", Confidence.MEDIUM
        return None

    # ---- statements ---------------------------------------------------------------------
    def block(self, body: list[ast.stmt], env: Env | None) -> Env | None:
        for stmt in body:
            if env is None:
                return None
            env = self.stmt(stmt, env)
        return env

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks & 63 == 0 and time.perf_counter() > self.deadline:
            raise AnalysisTimeout

    def stmt(self, node: ast.stmt, env: Env) -> Env | None:
        self._tick()
        if isinstance(node, ast.Expr):
            value = node.value
            self.eval(value, env)
            if isinstance(value, ast.Call) and self._terminates(value):
                return None
            if isinstance(value, ast.Yield | ast.YieldFrom) and value.value is not None:
                self.summary.ret = union(self.summary.ret, self.eval(value.value, env).taint)
            return env
        if isinstance(node, ast.Assign):
            val = self.eval(node.value, env)
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
            outs: list[Env | None] = [env]
            for case in node.cases:
                branch = dict(env)
                for sub in ast.walk(case.pattern):
                    captured = getattr(sub, "name", None)
                    if isinstance(captured, str):
                        branch[captured] = Val(subject.taint)
                outs.append(self.block(case.body, branch))
            return self._join_envs(outs)
        return env

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

    # ---- assignment ---------------------------------------------------------------------
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
            if keys is not None and index is not NOCONST and _hashable(index):
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
        if concrete is None or not concrete.taint:
            return
        writes = self.s.global_writes.setdefault(self.module.name, {})
        old = writes.get(name)
        new = join(old, Val(concrete.taint))
        if old is None or len(new.taint) != len(old.taint):
            writes[name] = new
            self.s.globals_changed.add((self.module.name, name))

    def _self_effect(self, cls: str, attr: str, taint: Taint) -> None:
        effects = self.summary.effects
        effects[attr] = union(effects.get(attr, EMPTY), taint)
        concrete = tuple(lb for lb in taint if not lb.symbolic)
        if concrete:
            store = self.s.class_store.setdefault(cls, {})
            before = store.get(attr, EMPTY)
            after = union(before, concrete)
            if len(after) != len(before):
                store[attr] = after
                self.s.class_store_changed.add(cls)

    def _store_sink(self, target: ast.Subscript, val: Val, env: Env) -> None:
        if not val.taint:
            return
        name = dotted(target.value)
        qual = self.s.program.qualify(self.module, name) if name else ""
        container = self.eval(target.value, env)
        kind = container.tag[5:] if container.tag.startswith("type:") else ""
        for sink in self.spec.sinks:
            if sink.store is None:
                continue
            if (qual and sink.store.match(qual)) or (kind and sink.store.match(kind)):
                self._hit(sink, target, val.taint, f"{name or kind}[...]")

    # ---- guards -------------------------------------------------------------------------
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
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            if isinstance(op, ast.In | ast.NotIn):
                root = _root_key(left)
                if root and not self.eval(right, env).taint and not isinstance(right, ast.Constant):
                    (pos if isinstance(op, ast.In) else neg).append((*root, all_kinds))
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
                if all((dotted(t) or "") in _CLEAN_TYPES for t in types):
                    root = _root_key(test.args[0])
                    if root:
                        pos.append((*root, all_kinds))
                return pos, neg
            for guard, checked in self._guard_calls(test):
                root = _root_key(checked) if not (guard.falsy_attrs or guard.compare) else None
                if root:
                    pos.append((*root, guard.clears))
            if isinstance(func, ast.Attribute) and func.attr in self.spec.guard_methods:
                root = _root_key(func.value)
                if root:
                    pos.append((*root, self.spec.guard_methods[func.attr]))
        return pos, neg

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

    # ---- constants ----------------------------------------------------------------------
    def const(self, node: ast.expr, env: Env) -> object:
        """The value of a constant expression, or NOCONST."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            val = env.get(node.id) or self.enclosing.get(node.id) or self.globals.get(node.id)
            if val is not None:
                return val.const
            return self._imported(node.id).const
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name and self.s.program.qualify(self.module, name) == "typing.TYPE_CHECKING":
                return False
            return self._imported(name).const if name else NOCONST
        if isinstance(node, ast.UnaryOp):
            value = self.const(node.operand, env)
            if value is NOCONST:
                return NOCONST
            try:
                if isinstance(node.op, ast.Not):
                    return not value
                if isinstance(node.op, ast.USub):
                    return -value  # type: ignore[operator]
            except TypeError:
                return NOCONST
            return NOCONST
        if isinstance(node, ast.BoolOp):
            values = [self.const(v, env) for v in node.values]
            if isinstance(node.op, ast.And):
                for v in values:
                    if v is NOCONST:
                        return NOCONST
                    if not v:
                        return v
                return values[-1]
            for v in values:
                if v is NOCONST:
                    return NOCONST
                if v:
                    return v
            return values[-1]
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            fn = _COMPARE.get(type(node.ops[0]))
            left, right = self.const(node.left, env), self.const(node.comparators[0], env)
            if fn is None or left is NOCONST or right is NOCONST:
                return NOCONST
            try:
                return fn(left, right)
            except TypeError:
                return NOCONST
        if isinstance(node, ast.Name) and node.id == "TYPE_CHECKING":
            return False
        return NOCONST

    def _imported(self, name: str) -> Val:
        """A module-level value of another scanned module (``from .settings import DEBUG``)."""
        qual = self.s.program.qualify(self.module, name)
        if name == "TYPE_CHECKING" and qual == "typing.TYPE_CHECKING":
            return Val(const=False)
        mod, _, attr = qual.rpartition(".")
        if not mod:
            return CLEAN
        module = self.s.program.module_of(mod)
        if module is None or module is self.module:
            return CLEAN
        val = self.s.module_envs.get(module.name, {}).get(attr, CLEAN)
        written = self.s.global_writes.get(module.name, {}).get(attr)
        return join(val, written) if written is not None else val

    # ---- expressions --------------------------------------------------------------------
    def _source(self, node: ast.AST, origin: str, kind: str, cap: Confidence) -> Val:
        step = FlowStep(self._loc(node), f"source: {origin}")
        return Val((Label(kind, origin, frozenset(), (step,), cap),))

    def _request_attr(self, node: ast.AST, tag: str, attr: str) -> Val:
        """``request.GET`` in a helper: a source only where a caller passes a real request."""
        if attr.removesuffix("()") not in self.spec.request_attributes:
            return CLEAN
        step = FlowStep(self._loc(node), f"source: request.{attr}")
        return Val((Label(REQATTR, f"{tag[len(REQPARAM) :]}:{attr}", frozenset(), (step,), HIGH),))

    def _name(self, node: ast.Name, env: Env) -> Val:
        name = node.id
        val = env.get(name)
        if val is not None:
            return val
        val = self.enclosing.get(name)
        if val is not None:
            return val
        val = self.globals.get(name)
        written = self.written.get(name)
        if written is not None:
            return join(val, written)
        if val is not None:
            return val
        return self._global_name(node, name)

    def _global_name(self, node: ast.expr, name: str) -> Val:
        program = self.s.program
        qual = program.qualify(self.module, name)
        src = self.spec.source_for(qual)
        if src is not None:
            return self._source(node, name, src[0], src[1])
        if qual in self.spec.request_objects:
            return Val(tag="request")
        if program.function(qual) is not None:
            return Val(tag=f"func:{qual}")
        klass = program.klass(qual)
        if klass is not None:
            return Val(tag=f"class:{klass.qualname}")
        if program.module_of(qual) is not None:
            return Val(tag=f"module:{qual}")
        return self._imported(name)

    def eval(self, node: ast.expr, env: Env) -> Val:
        if isinstance(node, ast.Constant):
            return Val(const=node.value)
        if isinstance(node, ast.Name):
            return self._name(node, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env)
        if isinstance(node, ast.FormattedValue):
            return Val(self.eval(node.value, env).taint)
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left, env)
            return self._binop(node.op, left, self.eval(node.right, env), node.right, node.left)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, env)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items = tuple(self.eval(e, env) for e in node.elts)
            taint = union_all([i.taint for i in items])
            if isinstance(node, ast.Set):
                return Val(taint)
            if any(isinstance(e, ast.Starred) for e in node.elts):
                known = not isinstance(node.elts[0], ast.Starred)
                return Val(taint, head=items[0] if known else None)
            const: object = NOCONST
            if isinstance(node, ast.Tuple) and all(i.const is not NOCONST for i in items):
                const = tuple(i.const for i in items)
            return Val(taint, items=items, const=const)
        if isinstance(node, ast.Dict):
            keys: dict[object, Val] | None = {}
            parts: list[Taint] = []
            for k, v in zip(node.keys, node.values, strict=True):
                val = self.eval(v, env)
                parts.append(val.taint)
                kc = self.const(k, env) if k is not None else NOCONST
                if keys is not None and kc is not NOCONST and _hashable(kc):
                    keys[kc] = val
                else:
                    keys = None
                    if k is not None:
                        parts.append(self.eval(k, env).taint)
            return Val(union_all(parts), keys=keys)
        if isinstance(node, ast.BoolOp):
            vals = [self.eval(v, env) for v in node.values]
            joined = vals[0]
            for other in vals[1:]:
                joined = join(joined, other)
            return joined
        if isinstance(node, ast.IfExp):
            const = self.const(node.test, env)
            if const is not NOCONST:
                return self.eval(node.body if const else node.orelse, env)
            self.eval(node.test, env)
            pos, neg = self.refinements(node.test, env)
            then_env, else_env = dict(env), dict(env)
            self._apply(pos, then_env)
            self._apply(neg, else_env)
            return join(self.eval(node.body, then_env), self.eval(node.orelse, else_env))
        if isinstance(node, ast.Compare):
            self.eval(node.left, env)
            for c in node.comparators:
                self.eval(c, env)
            const = self.const(node, env)
            return Val(const=const) if const is not NOCONST else CLEAN
        if isinstance(node, ast.UnaryOp):
            val = self.eval(node.operand, env)
            const = self.const(node, env)
            if isinstance(node.op, ast.Not | ast.USub | ast.UAdd | ast.Invert):
                return Val(const=const) if const is not NOCONST else CLEAN
            return Val(val.taint)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            inner = self._comprehension(node.generators, env)
            return Val(self.eval(node.elt, inner).taint)
        if isinstance(node, ast.DictComp):
            inner = self._comprehension(node.generators, env)
            return Val(union(self.eval(node.key, inner).taint, self.eval(node.value, inner).taint))
        if isinstance(node, ast.Lambda):
            return Val(tag="lambda", ref=node)
        if isinstance(node, ast.Await):
            return self.eval(node.value, env)
        if isinstance(node, ast.Yield | ast.YieldFrom):
            if node.value is not None:
                self.summary.ret = union(self.summary.ret, self.eval(node.value, env).taint)
            return CLEAN
        if isinstance(node, ast.NamedExpr):
            val = self.eval(node.value, env)
            self.assign(node.target, val, env, node)
            return val
        if isinstance(node, ast.Starred):
            return Val(self.eval(node.value, env).taint)
        if isinstance(node, ast.Slice):
            return CLEAN
        return CLEAN

    def _comprehension(self, generators: list[ast.comprehension], env: Env) -> Env:
        inner = dict(env)
        for gen in generators:
            it = self.eval(gen.iter, inner)
            self.assign(gen.target, self._element(it), inner, gen.iter)
            for cond in gen.ifs:
                self.eval(cond, inner)
                pos, _ = self.refinements(cond, inner)
                self._apply(pos, inner)
        return inner

    @staticmethod
    def _element(it: Val) -> Val:
        if it.tag == _KWARG_ITEMS:
            return Val(it.taint, items=(CLEAN, Val(it.taint)))
        if it.items:
            out = it.items[0]
            for item in it.items[1:]:
                out = join(out, item)
            return out
        if it.keys:  # iterating a dict gives its constant keys
            return CLEAN
        return Val(it.taint)

    def _fstring(self, node: ast.JoinedStr, env: Env) -> Val:
        parts: list[Taint] = []
        prefix = ""
        fixed: frozenset[str] = frozenset()
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if not parts:
                    prefix += value.value
                continue
            if not parts:
                fixed = _prefix_clears(prefix)
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            parts.append(self.eval(inner, env).taint)
        taint = union_all(parts)
        if fixed and taint:
            taint = clear_all(taint, fixed)
        return Val(taint)

    def _binop(
        self, op: ast.operator, left: Val, right: Val, right_node: ast.expr, left_node: ast.expr | None = None
    ) -> Val:
        if isinstance(op, ast.Add | ast.Mod | ast.Mult | ast.BitOr | ast.Div):
            taint = union(left.taint, right.taint)
            if isinstance(op, ast.Add) and left.items is not None and right.items is not None:
                return Val(taint, items=left.items + right.items)
            if isinstance(op, ast.Add) and left.first is not None:
                return Val(taint, head=left.first)  # [sys.executable] + argv: the program is known
            fixed = (
                _prefix_clears(left.const) if isinstance(left.const, str) and not left.taint else frozenset()
            )
            if isinstance(op, ast.Add | ast.Mod) and fixed:
                taint = clear_all(right.taint, fixed)
            if isinstance(op, ast.Mod) and right.keys is not None and isinstance(left.const, str):
                taint = union(left.taint, right.taint)
            const: object = NOCONST
            if isinstance(left.const, str) and isinstance(right.const, str) and isinstance(op, ast.Add):
                const = left.const + right.const
            return Val(taint, const=const)
        return CLEAN  # arithmetic gives numbers

    def _server_key(self, container: ast.expr, key: ast.expr, env: Env) -> bool:
        """``request.META["CSRF_COOKIE"]``: a constant key the server, not the client, sets.

        ``container`` is the subscripted expression, or the ``.get`` attribute of a call.
        """
        if isinstance(container, ast.Attribute) and container.attr == "get":
            container = container.value
        if not isinstance(container, ast.Attribute) or not isinstance(key, ast.Constant):
            return False
        patterns = self.spec.keyed_attributes.get(container.attr)
        if patterns is None or not isinstance(key.value, str):
            return False
        name = key.value
        if any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns):
            return False
        owner = self.eval(container.value, env).tag
        return owner == "request" or owner.startswith(REQPARAM)

    def _subscript(self, node: ast.Subscript, env: Env) -> Val:
        if self._server_key(node.value, node.slice, env):
            return CLEAN
        name = dotted(node.value)
        if name is not None:
            qual = self.s.program.qualify(self.module, name)
            src = self.spec.source_for(qual)
            if src is not None and name not in env:
                self.eval(node.slice, env)
                return self._source(node, name, src[0], src[1])
        base = self.eval(node.value, env)
        index = self.const(node.slice, env)
        self.eval(node.slice, env)
        if base.items is not None and isinstance(index, int) and -len(base.items) <= index < len(base.items):
            return base.items[index]
        if base.keys is not None and index is not NOCONST and _hashable(index):
            return base.keys.get(index, CLEAN)
        if isinstance(node.slice, ast.Slice) and base.items is not None:
            return Val(base.taint)
        return Val(base.taint)

    def _attribute(self, node: ast.Attribute, env: Env) -> Val:
        name = dotted(node)
        if name is not None:
            local = env.get(name)
            if local is not None:
                return local
            head = name.split(".", 1)[0]
            if head not in env:
                qual = self.s.program.qualify(self.module, name)
                src = self.spec.source_for(qual)
                if src is not None:
                    return self._source(node, name, src[0], src[1])
                if qual in self.spec.request_objects:
                    return Val(tag="request")
        base = self.eval(node.value, env)
        attr = node.attr
        if base.tag == "request":
            if attr in self.spec.request_attributes:
                return self._source(node, f"request.{attr}", "remote", HIGH)
            return CLEAN
        if base.tag.startswith(REQPARAM):
            return self._request_attr(node, base.tag, attr)
        if base.tag.startswith("self:"):
            cls = base.tag[5:]
            inherited = self._inherited(cls, attr)
            if inherited and inherited in self.spec.request_objects:
                return Val(tag="request")  # Tornado's self.request
            store = self.s.class_store.get(cls, {}).get(attr, EMPTY)
            tag = self.s.class_types.get(cls, {}).get(attr, "")
            if self.fi.is_method and not self.is_module:
                return Val(union((Label(SELFATTR, attr, frozenset(), (), HIGH),), store), tag=tag)
            return Val(store, tag=tag)
        if base.attrs is not None and attr in base.attrs:
            return base.attrs[attr]
        if base.tag.startswith("inst:"):
            return Val(self.s.class_store.get(base.tag[5:], {}).get(attr, EMPTY))
        if base.tag.startswith("module:") and name is not None:
            return self._global_name(node, name)
        if base.tag.startswith(("func:", "class:")):
            return CLEAN
        return Val(base.taint)

    # ---- calls --------------------------------------------------------------------------
    def _call(self, node: ast.Call, env: Env) -> Val:
        func = node.func
        name = dotted(func)
        program = self.s.program
        recv: Val | None = None
        fval: Val | None = None
        if isinstance(func, ast.Attribute):
            recv = self.eval(func.value, env)
            if name is None:
                name = f"?.{func.attr}"
        elif isinstance(func, ast.Name):
            fval = env.get(func.id) or self.globals.get(func.id)
        elif isinstance(func, ast.Lambda):
            fval = Val(tag="lambda", ref=func)
        else:
            fval = self.eval(func, env)
        qual = (
            program.qualify(self.module, name)
            if name and not (recv is not None and recv.tag.startswith(("self:", "inst:")))
            else (name or "")
        )
        if recv is not None and name and not name.startswith("?") and self._data_head(name, env):
            qual = f"?.{name.partition('.')[2]}"  # a variable named `regex` is not the regex module
        if recv is not None and recv.tag.startswith("type:") and isinstance(func, ast.Attribute):
            qual = f"{recv.tag[5:]}.{func.attr}"  # requests.Session().get -> requests.Session.get
        elif recv is not None and recv.tag.startswith(("self:", "inst:")) and isinstance(func, ast.Attribute):
            qual = self._inherited(recv.tag[5:], func.attr) or qual  # self.write -> RequestHandler.write
        args = [self.eval(a, env) for a in node.args]
        kws: dict[str, Val] = {}
        star_kw = EMPTY
        for kw in node.keywords:
            val = self.eval(kw.value, env)
            if kw.arg is None:
                star_kw = union(star_kw, val.taint)
            else:
                kws[kw.arg] = val
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        if recv is not None and recv.tag == _KWARGS and attr in ("keys", "items"):
            # the keys of **kwargs are keyword names written at the call sites
            return Val(recv.taint, tag=_KWARG_ITEMS) if attr == "items" else CLEAN
        if attr == "get" and node.args and self._server_key(func, node.args[0], env):
            return CLEAN
        # sources
        if recv is not None and recv.tag == "request" and attr in self.spec.request_attributes:
            return self._source(node, f"request.{attr}()", "remote", HIGH)
        if recv is not None and recv.tag.startswith(REQPARAM):
            return self._request_attr(node, recv.tag, f"{attr}()")
        src = self.spec.source_for(qual) if qual else None
        if src is not None:
            return self._source(node, name or qual, src[0], src[1])
        if attr and attr in self.spec.source_methods and recv is not None and not recv.tag:
            return self._source(node, f"{name}()", self.spec.source_methods[attr], HIGH)
        # sinks
        sinks = self.spec.sinks_for(qual) if qual else ()
        for sink in sinks:
            self._check_sink(sink, node, args, kws, star_kw, recv, name or qual, env)
        # sanitizers and cleaners
        everything = union_all([a.taint for a in args] + [v.taint for v in kws.values()] + [star_kw])
        if recv is not None:
            everything = union(everything, recv.taint)
        clears = self.spec.sanitizer_for(qual) if qual else None
        if clears is None and attr and attr in self.spec.sanitizer_methods and not (recv and recv.tag):
            clears = self.spec.sanitizer_methods[attr]
        if clears is not None:
            if ALL in clears:
                return CLEAN
            return Val(clear_all(everything, clears))
        type_tag = f"type:{qual}" if "." in qual and qual.rsplit(".", 1)[-1][:1].isupper() else ""
        if sinks and not self.spec.propagators.match(qual):
            return Val(tag=type_tag)  # what a sink returns (a cursor, a process, a file) is not the input
        # rule data that names a function exactly wins over its scanned implementation
        if qual in self.spec.cleaners.exact and qual not in self.spec.propagators.exact:
            return CLEAN
        if qual == "map" and len(node.args) > 1:  # map(escape, values) sanitises each value
            mapped = dotted(node.args[0])
            mapped_clears = self.spec.sanitizer_for(program.qualify(self.module, mapped)) if mapped else None
            if mapped_clears is not None:
                rest = union_all([a.taint for a in args[1:]])
                return CLEAN if ALL in mapped_clears else Val(clear_all(rest, mapped_clears))
        # user code
        target = self._resolve(func, name, qual, recv, fval)
        if target is not None:
            return self._call_user(target, node, args, kws, star_kw, recv, env)
        if fval is not None and fval.tag == "lambda" and isinstance(fval.ref, ast.Lambda):
            return self._call_lambda(fval.ref, args, env)
        if qual and self.spec.cleaners.match(qual) and not self.spec.propagators.exact.__contains__(qual):
            return CLEAN
        # xml parsers: remember whether a parser resolves external entities
        if qual and self.spec.xml_parsers.match(qual):
            resolve = kws.get("resolve_entities")
            if resolve is not None and resolve.const is False:
                return Val(tag="safe-xml-parser")
        # containers: mutation, constant-key reads
        if recv is not None and isinstance(func, ast.Attribute):
            if attr in _MUTATORS:
                self._mutate(func.value, attr, args, env)
                return CLEAN
            if attr == "setFeature" and len(node.args) == 2 and self._external_entities_on(node, env):
                parser_key = dotted(func.value)
                if parser_key is not None:
                    env[parser_key] = Val(recv.taint, tag="type:xml.sax.ExternalEntityParser")
                return CLEAN
            if attr == "get" and recv.keys is not None and args:
                key = self.const(node.args[0], env)
                if key is not NOCONST and _hashable(key):
                    found = recv.keys.get(key)
                    default = args[1] if len(args) > 1 else CLEAN
                    return found if found is not None else default
            if attr in ("copy", "strip", "lower", "upper") and recv.items is not None:
                return recv
        if everything:
            step = FlowStep(self._loc(node), f"through {name or 'call'}()")
            everything = (
                step_all(everything, step)
                if len(node.args) + len(node.keywords) > 0 and recv is None
                else everything
            )
        if type_tag and target is None:
            return Val(everything, tag=type_tag)
        return Val(everything)

    def _inherited(self, cls: str, attr: str) -> str:
        """``Base.attr`` when ``attr`` of scanned class ``cls`` comes from a framework base class."""
        key = (cls, attr)
        found = self.s.inherited.get(key)
        if found is None:
            found = ""
            if self.s.program.method(cls, attr) is None:
                base = _external_base(self.s.program, cls, 0)
                found = f"{base}.{attr}" if base else ""
            self.s.inherited[key] = found
        return found

    def _data_head(self, name: str, env: Env) -> bool:
        """The dotted name starts with a variable holding data, not an import or a definition."""
        head = name.partition(".")[0]
        if head in self.module.aliases:
            return False
        val = env.get(head) or self.globals.get(head)
        return val is not None and not val.tag.startswith(("class:", "func:", "module:", "self:", "request"))

    def _external_entities_on(self, node: ast.Call, env: Env) -> bool:
        feature = dotted(node.args[0]) or ""
        qual = self.s.program.qualify(self.module, feature) if feature else ""
        named = qual.endswith(("feature_external_ges", "feature_external_pes"))
        literal = isinstance(node.args[0], ast.Constant) and "external-general-entities" in str(
            node.args[0].value
        )
        return (named or literal) and bool(self.const(node.args[1], env))

    def _mutate(self, target: ast.expr, attr: str, args: list[Val], env: Env) -> None:
        key = target.id if isinstance(target, ast.Name) else dotted(target)
        if key is None:
            return
        owner = env.get(key) or self.globals.get(key)
        if owner is None:
            return
        added = union_all([a.taint for a in args])
        items = owner.items
        head = owner.head
        if attr == "append" and items is not None and args:
            items = (*items, args[0])
        elif attr == "extend" and items is not None and args and args[0].items is not None:
            items = items + args[0].items
        elif added:
            head = owner.first
            items = None
        keys = owner.keys
        if attr == "update" and keys is not None and args and args[0].keys is not None:
            keys = {**keys, **args[0].keys}
        elif added and keys is not None:
            keys = None
        env[key] = Val(
            union(owner.taint, added), items=items, keys=keys, tag=owner.tag, attrs=owner.attrs,
            head=head if items is None else None,
        )  # fmt: skip
        if key.startswith("self.") and key.count(".") == 1 and self.fi.cls:
            self._self_effect(self.fi.cls, key[5:], env[key].taint)

    def _resolve(
        self, func: ast.expr, name: str | None, qual: str, recv: Val | None, fval: Val | None
    ) -> tuple[str, str] | None:
        """("func"|"class", qualified name) for a call into scanned code."""
        program = self.s.program
        if fval is not None and fval.tag.startswith(("func:", "class:")):
            kind, _, target = fval.tag.partition(":")
            return (kind, target) if (program.function(target) or program.klass(target)) else None
        if recv is not None and isinstance(func, ast.Attribute):
            tag = recv.tag
            if tag.startswith(("self:", "inst:", "class:")):
                method = program.method(tag.partition(":")[2], func.attr)
                return ("func", method.qualname) if method else None
            if not tag.startswith("module:") and not (name and not name.startswith("?")):
                return None
        if not qual or qual.startswith("?"):
            return None
        if program.function(qual) is not None:
            return "func", qual
        klass = program.klass(qual)
        if klass is not None:
            return "class", klass.qualname
        return None

    def _call_user(
        self, target: tuple[str, str], node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, env: Env,
    ) -> Val:  # fmt: skip
        kind, qual = target
        program = self.s.program
        if kind == "class":
            init = program.method(qual, "__init__")
            obj = Val(tag=f"inst:{qual}", attrs={})
            if init is None:
                return Val(
                    union_all([a.taint for a in args] + [v.taint for v in kws.values()] + [star_kw]),
                    tag=f"inst:{qual}",
                )
            _, effects = self._apply_summary(init, node, args, kws, star_kw, obj, bound_receiver=True)
            attrs = {k: Val(t) for k, t in effects.items()}
            return Val(union_all(list(effects.values())), attrs=attrs, tag=f"inst:{qual}")
        fi = program.function(qual)
        if fi is None:
            return CLEAN
        bound = fi.is_method and recv is not None and not recv.tag.startswith("class:")
        if fi.is_method and recv is not None and recv.tag.startswith("class:"):
            bound = False
        ret, effects = self._apply_summary(fi, node, args, kws, star_kw, recv, bound_receiver=bound)
        if effects and recv is not None and isinstance(node.func, ast.Attribute):
            base = node.func.value
            key = base.id if isinstance(base, ast.Name) else dotted(base)
            if recv.tag.startswith("self:") and self.fi.cls:
                for attr, taint in effects.items():
                    env[f"self.{attr}"] = Val(taint)
                    self._self_effect(self.fi.cls, attr, taint)
            elif key is not None:
                attrs = dict(recv.attrs or {})
                for attr, taint in effects.items():
                    attrs[attr] = Val(taint)
                env[key] = Val(
                    union(recv.taint, union_all(list(effects.values()))), attrs=attrs, tag=recv.tag
                )
        return ret

    def _apply_summary(
        self, fi: FunctionInfo, node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, bound_receiver: bool,
    ) -> tuple[Val, dict[str, Taint]]:  # fmt: skip
        self.callees.add(fi.qualname)
        summary = self.s.summaries.get(fi.qualname, EMPTY_SUMMARY)
        if not summary.ret and not summary.sinks and not summary.effects:
            return CLEAN, {}
        bound: dict[str, Taint] = {}
        requests: dict[str, str] = {}  # parameter index -> request tag of the argument passed
        offset = 1 if bound_receiver else 0
        params = fi.params
        node_fn = fi.node
        kwonly = [a.arg for a in node_fn.args.kwonlyargs] if node_fn is not None else []
        if bound_receiver and recv is not None:
            bound["0"] = recv.taint
        for j, a in enumerate(args):
            index = j + offset
            key = str(index) if index < len(params) else "*"
            bound[key] = union(bound.get(key, EMPTY), a.taint)
            if a.tag == "request" or a.tag.startswith(REQPARAM):
                requests[key] = a.tag
        for k, v in kws.items():
            if k in params:
                key = str(params.index(k))
            elif k in kwonly:
                key = str(len(params) + kwonly.index(k))
            else:
                key = "**"
            bound[key] = union(bound.get(key, EMPTY), v.taint)
            if v.tag == "request" or v.tag.startswith(REQPARAM):
                requests[key] = v.tag
        if star_kw:
            bound["**"] = union(bound.get("**", EMPTY), star_kw)
        call_step = FlowStep(self._loc(node), f"call to {fi.short}")

        def actual(label: Label) -> Taint:
            if label.kind == PARAM:
                found = bound.get(label.origin, EMPTY)
            elif label.kind == SELFATTR:
                found = self._receiver_attr(recv, label.origin) if recv is not None else EMPTY
            elif label.kind == REQATTR:
                index, _, attr = label.origin.partition(":")
                tag = requests.get(index)
                if tag is None:  # not a request: an attribute of tainted data is tainted
                    found = bound.get(index, EMPTY)
                else:
                    path = (*label.path[:1], call_step, *label.path[1:])[:MAX_PATH]
                    if tag == "request":
                        return (Label("remote", f"request.{attr}", label.cleared, path, HIGH),)
                    origin = f"{tag[len(REQPARAM) :]}:{attr}"
                    return (Label(REQATTR, origin, label.cleared, path, HIGH),)
            else:
                return (label,)
            return tuple(
                a._replace(cleared=a.cleared | label.cleared, path=_concat(a.path, call_step, label.path))
                for a in found
            )

        ret = union_all([actual(lb) for lb in summary.ret])
        for hit in summary.sinks:
            for reached in actual(hit.label):
                if hit.spec.kind in reached.cleared or ALL in reached.cleared:
                    continue
                if reached.symbolic:
                    self.summary.sinks.append(hit._replace(label=reached))
                else:
                    self.s.report(hit.spec, hit.location, reached, hit.callee, hit.context)
        effects = {attr: union_all([actual(lb) for lb in taint]) for attr, taint in summary.effects.items()}
        return Val(ret), {k: v for k, v in effects.items() if v}

    def _receiver_attr(self, recv: Val, attr: str) -> Taint:
        if recv.attrs is not None and attr in recv.attrs:
            return recv.attrs[attr].taint
        if recv.tag.startswith("self:"):
            cls = recv.tag[5:]
            store = self.s.class_store.get(cls, {}).get(attr, EMPTY)
            if self.fi.is_method:
                return union((Label(SELFATTR, attr, frozenset(), (), HIGH),), store)
            return store
        if recv.tag.startswith("inst:"):
            return self.s.class_store.get(recv.tag[5:], {}).get(attr, EMPTY)
        return recv.taint

    def _call_lambda(self, fn: ast.Lambda, args: list[Val], env: Env) -> Val:
        inner = dict(env)
        params = [*fn.args.posonlyargs, *fn.args.args]
        for p, a in zip(params, args, strict=False):
            inner[p.arg] = a
        return self.eval(fn.body, inner)

    # ---- sinks --------------------------------------------------------------------------
    def _keyword_const(self, node: ast.Call, key: str) -> object:
        for kw in node.keywords:
            if kw.arg == key:
                if isinstance(kw.value, ast.Constant):
                    return kw.value.value
                name = dotted(kw.value)
                return self.s.program.qualify(self.module, name) if name else NOCONST
        return _ABSENT

    def _check_sink(
        self, sink: SinkSpec, node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, callee: str, env: Env,
    ) -> None:  # fmt: skip
        if len(node.args) + len(node.keywords) < sink.min_args:
            return
        for key, expected in sink.when_keyword.items():
            value = self._keyword_const(node, key)
            if value is _ABSENT and any(k.arg is None for k in node.keywords):
                continue  # **kwargs may set it; keep the sink
            if value != expected:
                return
        for key, values in sink.unless_keyword.items():
            value = self._keyword_const(node, key)
            if value is not _ABSENT and _listed(value, values):
                return
        if sink.parser_arg is not None or sink.parser_keyword:
            parser = None
            if sink.parser_arg is not None and len(args) > sink.parser_arg:
                parser = args[sink.parser_arg]
            elif sink.parser_keyword in kws:
                parser = kws[sink.parser_keyword]
            if parser is not None and parser.tag == "safe-xml-parser":
                return
        taint = EMPTY
        if sink.not_dict and args and (args[0].keys is not None or isinstance(node.args[0], ast.Dict)):
            return
        if sink.shell_command:
            argv = args[0] if args else kws.get("args")
            taint = _shell_command(argv) if argv is not None else EMPTY
        elif sink.program:
            if sink.when_keyword.get("shell") is None and self._keyword_const(node, "shell") not in (
                _ABSENT,
                False,
                None,
            ):
                return  # shell=True is the other sink's business
            argv = args[0] if args else kws.get("args")
            if argv is not None:
                if argv.items is not None:
                    taint = argv.items[0].taint if argv.items else EMPTY
                else:
                    head = argv.head
                    taint = head.taint if head is not None else argv.taint
        else:
            for i in sink.args:
                if i < len(args):
                    taint = union(taint, args[i].taint)
            if any(isinstance(a, ast.Starred) for a in node.args):
                for a in args:
                    taint = union(taint, a.taint)
            for key in sink.keywords:
                if key in kws:
                    taint = union(taint, kws[key].taint)
            if sink.keywords and star_kw:
                taint = union(taint, star_kw)
            if sink.receiver and recv is not None:
                taint = union(taint, recv.taint)
        if taint:
            self._hit(sink, node, taint, callee)

    def _hit(self, sink: SinkSpec, node: ast.AST, taint: Taint, callee: str) -> None:
        location = self._loc(node)
        step = FlowStep(location, f"sink: {callee} ({sink.label})")
        for label in taint:
            if sink.kind in label.cleared or ALL in label.cleared:
                continue
            reached = label._replace(
                path=_concat(label.path[: MAX_PATH - 1], step, ()) if label.path else (step,)
            )
            if label.symbolic:
                self.summary.sinks.append(SinkHit(reached, sink, location, callee, self.context))
            else:
                self.s.report(sink, location, reached, callee, self.context)

    def _route_return(self, node: ast.expr, val: Val) -> None:
        if isinstance(node, ast.Tuple) and node.elts:
            node = node.elts[0]
            val = val.items[0] if val.items else val
        if isinstance(node, ast.Dict | ast.List | ast.ListComp | ast.DictComp):
            return
        if not val.taint or val.tag:
            return
        for sink in self.spec.sinks:
            if sink.route_return:
                self._hit(sink, node, val.taint, "response body")


def _concrete(val: Val) -> Val | None:
    """The value without symbolic labels and parameter-bound tags (None: nothing left to see)."""
    tag = "" if val.tag.startswith((REQPARAM, _KWARGS)) else val.tag
    taint = tuple(lb for lb in val.taint if not lb.symbolic)
    if not taint and not tag and val.const is NOCONST:
        return None
    if len(taint) == len(val.taint) and tag == val.tag and val.items is None and val.keys is None:
        return val if val.attrs is None else Val(taint, const=val.const, tag=tag, ref=val.ref)
    return Val(taint, const=val.const, tag=tag, ref=val.ref)


def _env_signature(env: Env) -> frozenset[tuple[str, object]]:
    return frozenset((name, (val.tag, tuple(lb.key for lb in val.taint))) for name, val in env.items())


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


def _external_base(program: Program, cls: str, depth: int) -> str:
    """The first base class, through scanned ancestors, that is not scanned code (or "")."""
    klass = program.klass(cls)
    if klass is None or depth > 8:
        return ""
    for base in klass.bases:
        if program.klass(base) is None:
            if base not in ("object", "builtins.object"):
                return base
        else:
            found = _external_base(program, base, depth + 1)
            if found:
                return found
    return ""


_KWARGS = "kwargs"  # tag of a **kwargs parameter
_KWARG_ITEMS = "kwargs-items"
# shells and the flag that makes their next argument a command string
_SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "cmd", "cmd.exe", "powershell", "pwsh"}
)
_COMMAND_FLAGS = frozenset({"-c", "/c", "/C", "-lc", "-ec", "-xc", "-Command", "-command"})


def _shell_command(argv: Val) -> Taint:
    """The taint of ``cmd`` in ``["sh", "-c", cmd, ...]``; nothing for other argv lists."""
    items = argv.items
    if not items or not isinstance(items[0].const, str):
        return EMPTY
    program = items[0].const.replace("\\", "/").rsplit("/", 1)[-1]
    if program not in _SHELLS:
        return EMPTY
    for i, item in enumerate(items[1:-1], start=1):
        if item.const in _COMMAND_FLAGS:
            return items[i + 1].taint
    return EMPTY


def _listed(value: object, values: Sequence[Any]) -> bool:
    """A keyword value named in an ``unless_keyword`` list ("text/plain*": any value with that prefix)."""
    if value in values or str(value).rsplit(".", 1)[-1] in values:
        return True
    return isinstance(value, str) and any(
        isinstance(v, str) and v.endswith("*") and value.startswith(v[:-1]) for v in values
    )


class _Absent:
    pass


_ABSENT = _Absent()


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _prefix_clears(prefix: str) -> frozenset[str]:
    """Sink kinds a constant URL prefix rules out.

    'https://api.example.com/...' fixes scheme and host (no SSRF, no open redirect); '/search?q='
    is a same-site path (no open redirect).
    """
    scheme, sep, rest = prefix.partition("://")
    if sep and scheme.isalpha() and "/" in rest and rest.index("/") > 0:
        return _HOST_FIXED
    if len(prefix) > 1 and prefix[0] == "/" and prefix[1] not in "/\\":
        return _PATH_FIXED
    return frozenset()


_HOST_FIXED = frozenset({"ssrf", "redirect"})
_PATH_FIXED = frozenset({"redirect"})
