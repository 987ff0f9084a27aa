"""The per-function abstract interpreter.

One walk over a function body computes, for the current callee summaries, which values are
tainted at every point; it reports concrete sources reaching sinks and returns the function's
:class:`Summary` (what flows from parameters and ``self`` attributes to the return value, to
sinks, and into ``self`` attributes). Branches whose condition is a constant are evaluated, so
dead code is not analysed; allowlist guards and sanitizers clear taint per sink kind.

The walker is assembled from one part per concern (:mod:`~vulnhound.engine.statements`,
:mod:`~vulnhound.engine.guards`, :mod:`~vulnhound.engine.expressions`,
:mod:`~vulnhound.engine.calls`, :mod:`~vulnhound.engine.sinks`, over
:mod:`~vulnhound.engine.walker`); this module adds the entry: which parameters are sources
(route parameters, view and handler arguments, the request itself only in entry points) and
which are symbolic for the summary.
"""

from __future__ import annotations

import ast

from vulnhound.engine.calls import CallWalker
from vulnhound.engine.expressions import ExpressionWalker
from vulnhound.engine.guards import GuardWalker
from vulnhound.engine.modules import dotted
from vulnhound.engine.sinks import SinkWalker
from vulnhound.engine.statements import StatementWalker
from vulnhound.engine.taint import HIGH, LIBRARY, PARAM, REQPARAM, Label, Taint, Val, union
from vulnhound.engine.views import request_index as request_index_of
from vulnhound.engine.walker import CLEAN_TYPES, KWARGS, AnalysisTimeout, Env, Shared, Summary
from vulnhound.findings import Confidence, FlowStep


class FunctionWalker(StatementWalker, GuardWalker, ExpressionWalker, CallWalker, SinkWalker):
    """Walks one function (or module body) once."""

    def run(self) -> tuple[Summary, Env]:
        env: Env = {}
        node = self.fi.node
        if node is None:
            out = self.block(self.module.tree.body, env)
            return self.summary, out if out is not None else env
        self._bind_params(node, env)
        self.block(node.body, env)
        summary = self.summary
        if self.library or self.enclosing:  # a library parameter is a source here only, not for callers
            summary.ret = _own(summary.ret)
            summary.effects = {k: t for k, t in ((k, _own(t)) for k, t in summary.effects.items()) if t}
        return summary, env

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
            elif self._library_param(a, ann, qual_ann, route, request_index, handler):
                val = Val(union(val.taint, self._library_label(a)))
            default = defaults.get(a.arg)
            if default is not None and not isinstance(default, ast.Constant):
                dval = self.eval(default, env)
                if dval.taint:
                    val = Val(union(val.taint, dval.taint))
            env[a.arg] = val
        if args.vararg:
            env[args.vararg.arg] = Val((Label(PARAM, "*", frozenset(), (), HIGH),))
        if args.kwarg:
            env[args.kwarg.arg] = Val((Label(PARAM, "**", frozenset(), (), HIGH),), tag=KWARGS)

    def _library_param(
        self, a: ast.arg, ann: str | None, qual_ann: str, route: tuple[str, str] | None,
        request_index: int, handler: bool,
    ) -> bool:  # fmt: skip
        """A parameter whose name says it carries outside data, in library (non-test) code."""
        if not self.s.library_parameters or self.module.test or route is not None or handler:
            return False
        if request_index >= 0 or a.arg in ("self", "cls"):
            return False
        if ann and (ann in CLEAN_TYPES or qual_ann in CLEAN_TYPES or ann in _NOT_TEXT):
            return False
        return self.spec.parameter_source(a.arg) is not None

    def _library_label(self, a: ast.arg) -> Taint:
        found = self.spec.parameter_source(a.arg)
        if found is None:
            return ()
        self.library = True
        cleared, cap = found
        step = FlowStep(self._loc(a), f"source: parameter '{a.arg}'")
        return (Label(LIBRARY, f"parameter '{a.arg}'", cleared, (step,), cap),)

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
        if (ann and (ann in CLEAN_TYPES or qual_ann in CLEAN_TYPES)) or a.arg in ("self", "cls"):
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


_NOT_TEXT = frozenset({"bool", "int", "float", "Callable", "typing.Callable", "collections.abc.Callable"})


def _own(taint: Taint) -> Taint:
    """The taint without this function's library-parameter labels."""
    if not any(lb.kind == LIBRARY for lb in taint):
        return taint
    return tuple(lb for lb in taint if lb.kind != LIBRARY)


__all__ = ["AnalysisTimeout", "FunctionWalker", "Shared", "Summary"]
