"""APIs the taint engine cannot classify: the candidates a model is asked to label.

Two kinds, both found by parsing (the scanned code is never run):

- external calls: a call through an imported third-party module (``fastdb.query(sql)``) that
  no source, sink, sanitizer, propagator or other table of the rule data names, made with at
  least one argument that is not a constant; the standard library is left out (the rules cover
  it, and its names carry no project-specific meaning);
- wrappers: the project's own functions that pass one of their parameters to such a call
  (``def run_query(sql): return fastdb.query(sql)``).

Each candidate keeps one call site and, for a wrapper, its signature and docstring: what a
request may show. Function bodies stay home.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vulnhound.engine.modules import FunctionInfo, ModuleInfo, dotted, python_program
from vulnhound.engine.spec import EngineSpec
from vulnhound.sources import SourceFile

# names that say a call moves data across a boundary: ranked first when a budget cuts the list
_IO_WORDS = re.compile(
    r"exec|query|sql|cursor|run|call|shell|spawn|popen|system|cmd|command|render|template|"
    r"eval|compile|load|open|read|write|file|path|send|request|fetch|get|post|url|http|"
    r"redirect|header|cookie|session|param|arg|input|escape|clean|sanitiz|quote|valid",
    re.IGNORECASE,
)
_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins", "__future__", "typing_extensions"}


@dataclass(frozen=True)
class CallSite:
    path: str
    line: int
    text: tuple[str, ...]  # the call's line and the ones next to it, inside its function
    first: int  # number of text[0]


@dataclass
class Candidate:
    """One API to label: ``name`` is the qualified name the rule data would use."""

    name: str
    kind: str  # "external" or "wrapper"
    signature: str = ""
    docstring: str = ""
    site: CallSite | None = None
    calls: int = 0  # call sites seen
    wraps: list[str] = field(default_factory=list)  # for a wrapper: the external calls it feeds

    @property
    def score(self) -> tuple[int, int, str]:
        """Sort key: I/O-looking names first, then the most used."""
        return (0 if _IO_WORDS.search(self.name) else 1, -self.calls, self.name)


def known(spec: EngineSpec, qualified: str) -> bool:
    """Whether the rule data already says what the call does."""
    return bool(
        spec.sinks_for(qualified)
        or spec.source_for(qualified) is not None
        or spec.sanitizer_for(qualified) is not None
        or spec.propagators.match(qualified)
        or spec.cleaners.match(qualified)
        or spec.terminators.match(qualified)
        or spec.joiners.match(qualified)
        or any(g.calls.match(qualified) for g in spec.guards)
    )


def _site(source: SourceFile, node: ast.AST, scope: ast.AST | None, around: int = 1) -> CallSite:
    """The call's line and ``around`` lines each side, never beyond the enclosing function."""
    line = getattr(node, "lineno", 1)
    low = max(line - around, getattr(scope, "lineno", 1))
    high = min(line + around, getattr(scope, "end_lineno", None) or len(source.lines))
    return CallSite(source.path, line, tuple(source.lines[low - 1 : high]), low)


def _signature(fi: FunctionInfo) -> str:
    node = fi.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    """Calls in a function's own body (not in functions or classes nested in it)."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(child, ast.Call):
            yield child
        stack.extend(ast.iter_child_nodes(child))


def _constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_constant(e) for e in node.elts)
    return False


def _names_in(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Finder:
    def __init__(self, files: Sequence[SourceFile], spec: EngineSpec) -> None:
        self.spec = spec
        self.program, by_path = python_program(files)
        texts = {f.path: f for f in files}
        self.sources = {module.name: texts[path] for path, module in by_path.items()}
        self.tops = {name.partition(".")[0] for name in self.program.modules}
        self.external: dict[str, Candidate] = {}
        self.wrappers: dict[str, Candidate] = {}

    def _external_name(self, module: ModuleInfo, call: ast.Call) -> str | None:
        name = dotted(call.func)
        if not name:
            return None
        head = name.partition(".")[0]
        if head not in module.aliases:
            return None  # a local object or a builtin: its type is unknown here
        qualified = self.program.qualify(module, name)
        top = qualified.partition(".")[0]
        if top in _STDLIB or top in self.tops or self.program.function(qualified) is not None:
            return None
        if self.program.klass(qualified) is not None or known(self.spec, qualified):
            return None
        return qualified

    def run(self) -> list[Candidate]:
        for fi in self.program.functions.values():
            if fi.node is None:
                continue
            module = self.program.modules[fi.module]
            if module.test:
                continue
            source = self.sources[fi.module]
            params = set(fi.params) - {"self", "cls"}
            for call in _calls(fi.node):
                qualified = self._external_name(module, call)
                args = [*call.args, *(k.value for k in call.keywords)]
                if qualified is None or not args or all(_constant(a) for a in args):
                    continue
                candidate = self.external.setdefault(qualified, Candidate(qualified, "external"))
                candidate.calls += 1
                if candidate.site is None:
                    candidate.site = _site(source, call, fi.node)
                fed = set().union(*(_names_in(a) for a in args)) & params
                if fed and not fi.qualname.endswith("<module>"):
                    self._wrapper(fi, qualified)
        self._wrapper_sites()
        return sorted([*self.external.values(), *self.wrappers.values()], key=lambda c: c.score)

    def _wrapper(self, fi: FunctionInfo, wrapped: str) -> None:
        found = self.wrappers.get(fi.qualname)
        if found is None:
            node = fi.node
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            found = self.wrappers[fi.qualname] = Candidate(
                fi.qualname, "wrapper", _signature(fi), (ast.get_docstring(node) or "")[:600]
            )
        if wrapped not in found.wraps:
            found.wraps.append(wrapped)

    def _wrapper_sites(self) -> None:
        """One call site of each wrapper, in the scanned code that uses it."""
        if not self.wrappers:
            return
        for fi in self.program.functions.values():
            if fi.node is None:
                continue
            module = self.program.modules[fi.module]
            for call in _calls(fi.node):
                name = dotted(call.func)
                target = self.program.function(self.program.qualify(module, name)) if name else None
                if target is None and name and name.startswith("self.") and fi.cls:
                    target = self.program.method(fi.cls, name.removeprefix("self."))
                candidate = self.wrappers.get(target.qualname) if target else None
                if candidate is None:
                    continue
                candidate.calls += 1
                if candidate.site is None:
                    candidate.site = _site(self.sources[fi.module], call, fi.node)


def find_candidates(files: Sequence[SourceFile], spec: EngineSpec) -> list[Candidate]:
    """Unclassified external calls and the project's wrappers of them, most I/O-like first."""
    return _Finder(files, spec).run()
