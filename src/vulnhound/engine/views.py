"""Which functions are web views, so that their parameters after ``request`` are URL values.

A parameter named ``request`` says nothing about the function's other parameters: middleware
hooks (``process_response(self, request, response)``), helpers and error handlers take a request
too, and their other arguments come from the framework or from the caller. Only real views get
"view argument" sources:

- functions registered with ``path()`` / ``re_path()`` in scanned URL configurations, and the
  handler methods of classes registered with ``Class.as_view()``;
- functions that look like views and that no scanned code calls: those with a view decorator
  (``require_POST``, ``login_required``, ``api_view`` ...), handler methods (``get``, ``post``
  ...) of classes whose name or a base's ends in ``View`` or ``ViewSet``, and module-level
  functions of a ``views`` module (or of a module in a ``views`` package). They are decided
  after the fixpoint, when the callers are known; a look-alike that is called is a helper and
  receives its arguments' taint from its callers instead.
"""

from __future__ import annotations

import ast

from vulnhound.engine.modules import FunctionInfo, ModuleInfo, Program, dotted
from vulnhound.engine.spec import EngineSpec

HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch"})


def request_index(fi: FunctionInfo) -> int:
    """Position of a ``request`` parameter where a view has it (first, after self), else -1."""
    first = 1 if fi.is_method else 0
    return first if len(fi.params) > first and fi.params[first] in ("request", "req") else -1


class ViewIndex:
    """The view functions of one program."""

    def __init__(self, program: Program, spec: EngineSpec) -> None:
        self.program = program
        self.spec = spec
        self.registered: set[str] = set()  # function qualnames from URL configurations
        self.registered_classes: set[str] = set()
        for module in program.modules.values():
            if spec.url_functions & set(module.aliases.values()):
                self._url_config(module)

    def _url_config(self, module: ModuleInfo) -> None:
        program = self.program
        for stmt in module.tree.body:
            for node in ast.walk(stmt):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name | ast.Attribute):
                    continue
                name = dotted(node.func)
                if not name or program.qualify(module, name) not in self.spec.url_functions:
                    continue
                view = node.args[1] if len(node.args) > 1 else None
                for kw in node.keywords:
                    if kw.arg == "view":
                        view = kw.value
                if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute):
                    if view.func.attr == "as_view":
                        cls = dotted(view.func.value)
                        klass = program.klass(program.qualify(module, cls)) if cls else None
                        if klass is not None:
                            self.registered_classes.add(klass.qualname)
                    continue
                target = dotted(view) if view is not None else None
                fi = program.function(program.qualify(module, target)) if target else None
                if fi is not None:
                    self.registered.add(fi.qualname)

    def is_view(self, fi: FunctionInfo) -> bool:
        """A definite view: registered in a URL configuration (directly or by its class)."""
        if fi.node is None or request_index(fi) < 0:
            return False
        if fi.qualname in self.registered:
            return True
        return fi.cls in self.registered_classes and fi.node.name in HANDLERS

    def candidate(self, fi: FunctionInfo) -> bool:
        """Looks like a view: a view unless scanned code calls it (then it is a helper)."""
        node = fi.node
        if node is None or request_index(fi) < 0:
            return False
        module = self.program.modules[fi.module]
        for dec in node.decorator_list:
            name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
            if name and self.spec.view_decorators.match(self.program.qualify(module, name)):
                return True
        if fi.cls is not None:
            if node.name not in HANDLERS:
                return False
            klass = self.program.klass(fi.cls)
            names = [fi.cls, *(klass.bases if klass else ())]
            return any(n.rsplit(".", 1)[-1].endswith(("View", "ViewSet")) for n in names)
        if fi.qualname != f"{fi.module}.{node.name}":
            return False  # nested
        parts = fi.module.split(".")
        return parts[-1] == "views" or (len(parts) > 1 and parts[-2] == "views")
