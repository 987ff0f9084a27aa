"""Engine-guided hunting: which code units are worth a model's time, and what else it needs.

Units are ranked by what the engine knows about the code they hold (Python; other languages
by their words alone): a call to a known sink weighs most, then being an entry point (a route,
a view, a handler, a function taking a request), then a call to a source, then the
security-relevant words the unit contains. With ``--hunt-top N`` only the N riskiest units go
to the models; the rest are reported as not analysed. Each Python unit's request also carries
the signature and first docstring line of the project functions it calls, so a model can
follow the data one call further without being sent the callees' bodies.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vulnhound.engine.modules import ModuleInfo, dotted, python_program
from vulnhound.engine.spec import EngineSpec
from vulnhound.hunt.units import CodeUnit
from vulnhound.sources import SourceFile

SINK = 100
ENTRY = 50
SOURCE = 20
MAX_CALLEES = 8


@dataclass(frozen=True)
class Ranked:
    unit: CodeUnit
    risk: int
    why: tuple[str, ...]  # "sink os.system", "entry point", ...
    callees: tuple[tuple[str, int, str], ...]  # (path, line, signature) of project functions it calls


class Ranker:
    def __init__(self, files: Sequence[SourceFile], spec: EngineSpec) -> None:
        self.spec = spec
        self.program, self.modules = python_program(files)

    def rank(self, unit: CodeUnit) -> Ranked:
        words = unit.risk()
        module = self.modules.get(unit.path)
        if module is None:
            return Ranked(unit, words, (), ())
        why: list[str] = []
        callees: list[tuple[str, int, str]] = []
        risk = words
        nodes = [
            n
            for n in ast.walk(module.tree)
            if hasattr(n, "lineno") and unit.start_line <= n.lineno <= unit.end_line
        ]
        for node in nodes:
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and "entry point" not in why
                and self._entry(node, module)
            ):
                why.append("entry point")
                risk += ENTRY
            if not isinstance(node, ast.Call):
                continue
            called = dotted(node.func)
            if not called:
                continue
            qualified = self.program.qualify(module, called)
            if self.spec.sinks_for(qualified) and f"sink {called}" not in why:
                why.append(f"sink {called}")
                risk += SINK
            elif self.spec.source_for(qualified) and f"source {called}" not in why:
                why.append(f"source {called}")
                risk += SOURCE
            target = self.program.function(qualified)
            if target is not None and target.node is not None and len(callees) < MAX_CALLEES:
                path = self.program.modules[target.module].path
                entry = (path, target.node.lineno, _signature(target.node))
                inside = path == unit.path and unit.start_line <= target.node.lineno <= unit.end_line
                if entry not in callees and not inside:
                    callees.append(entry)
        return Ranked(unit, risk, tuple(why), tuple(callees))

    def _entry(self, node: ast.FunctionDef | ast.AsyncFunctionDef, module: ModuleInfo) -> bool:
        for dec in node.decorator_list:
            name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
            if name and (
                self.spec.route_decorators.match(self.program.qualify(module, name))
                or self.spec.view_decorators.match(self.program.qualify(module, name))
            ):
                return True
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        return any(p in self.spec.request_param_names for p in params[:2])


def _signature(node: ast.AST) -> str:
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    doc = (ast.get_docstring(node) or "").strip().splitlines()
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    head = f"def {node.name}({ast.unparse(node.args)}){returns}"
    return head + (f"  # {doc[0][:120]}" if doc else "")


def rank_units(
    units: Sequence[CodeUnit],
    files: Sequence[SourceFile],
    spec: EngineSpec,
    production: Callable[[str], bool] = lambda _path: True,
) -> list[Ranked]:
    """Every unit with its risk, riskiest first (ties keep the file order); units outside
    production code (``production(path)`` false: tests, examples, docs) after all the others:
    on the dev set a docs/conf.py and a setup.py took the budget of real code."""
    ranker = Ranker(files, spec)
    ranked = [ranker.rank(u) for u in units]
    return sorted(ranked, key=lambda r: (not production(r.unit.path), -r.risk))
