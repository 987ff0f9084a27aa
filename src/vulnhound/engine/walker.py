"""Walker state and the base every part of the interpreter builds on.

The interpreter is one class, :class:`~vulnhound.engine.interp.FunctionWalker`, put together from
parts that each handle one concern (statements, guards, expressions, calls, sinks). This module
holds what they all share: the analysis-wide :class:`Shared` state, function summaries, and
:class:`WalkerBase` with the per-walk attributes and the methods one part calls in another,
declared here so that every part type-checks on its own.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from vulnhound.engine.modules import FunctionInfo, ModuleInfo, Program
from vulnhound.engine.spec import EngineSpec, SinkSpec
from vulnhound.engine.taint import EMPTY, MAX_PATH, Label, Taint, Val
from vulnhound.findings import Confidence, FlowStep, Location
from vulnhound.pyparse import location_of

Env = dict[str, Val]
CLEAN_TYPES = frozenset(
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
    # library code: parameters whose names say they carry outside data are sources (rule data)
    library_parameters: bool = True
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


def concat_path(
    head: tuple[FlowStep, ...], step: FlowStep, tail: tuple[FlowStep, ...]
) -> tuple[FlowStep, ...]:
    path = (*head, step, *tail)
    if len(path) > MAX_PATH:
        path = (*path[:4], *path[-(MAX_PATH - 4) :])
    return path


KWARGS = "kwargs"  # tag of a **kwargs parameter
KWARG_ITEMS = "kwargs-items"


def hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class WalkerBase:
    """Per-walk state; the methods below are implemented by the parts of the walker."""

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
        self.library = False  # some parameter is a library source (see interp.FunctionWalker)
        self.context = fi.short if not self.is_module else ""
        self._ticks = 0

    def _loc(self, node: ast.AST) -> Location:
        return location_of(self.path, node, self.module.lines)

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks & 63 == 0 and time.perf_counter() > self.deadline:
            raise AnalysisTimeout

    def block(self, body: list[ast.stmt], env: Env | None) -> Env | None:
        raise NotImplementedError

    def assign(self, target: ast.expr, val: Val, env: Env, stmt: ast.AST) -> None:
        raise NotImplementedError

    def _self_effect(self, cls: str, attr: str, taint: Taint) -> None:
        raise NotImplementedError

    def refinements(
        self, test: ast.expr, env: Env
    ) -> tuple[list[tuple[str, ast.expr, frozenset[str]]], list[tuple[str, ast.expr, frozenset[str]]]]:
        raise NotImplementedError

    def _apply(self, refs: list[tuple[str, ast.expr, frozenset[str]]], env: Env) -> None:
        raise NotImplementedError

    def raised_checks(self, call: ast.Call) -> list[tuple[str, ast.expr, frozenset[str]]]:
        raise NotImplementedError

    def const(self, node: ast.expr, env: Env) -> object:
        raise NotImplementedError

    def _source(self, node: ast.AST, origin: str, kind: str, cap: Confidence) -> Val:
        raise NotImplementedError

    def _request_attr(self, node: ast.AST, tag: str, attr: str) -> Val:
        raise NotImplementedError

    def _name(self, node: ast.Name, env: Env) -> Val:
        raise NotImplementedError

    def eval(self, node: ast.expr, env: Env) -> Val:
        raise NotImplementedError

    @staticmethod
    def _element(it: Val) -> Val:
        raise NotImplementedError

    def _binop(
        self, op: ast.operator, left: Val, right: Val, right_node: ast.expr, left_node: ast.expr | None = None
    ) -> Val:
        raise NotImplementedError

    def _server_key(self, container: ast.expr, key: ast.expr, env: Env) -> bool:
        raise NotImplementedError

    def _call(self, node: ast.Call, env: Env) -> Val:
        raise NotImplementedError

    def _inherited(self, cls: str, attr: str) -> str:
        raise NotImplementedError

    def _check_sink(
        self, sink: SinkSpec, node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, callee: str, env: Env,
    ) -> None:  # fmt: skip
        raise NotImplementedError

    def _hit(self, sink: SinkSpec, node: ast.AST, taint: Taint, callee: str) -> None:
        raise NotImplementedError

    def _text_template(self, node: ast.AST, template: str | bytes, taint: Taint) -> None:
        raise NotImplementedError

    def _route_return(self, node: ast.expr, val: Val) -> None:
        raise NotImplementedError
