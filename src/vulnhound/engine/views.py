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
  functions of a ``views`` module (or of a module in a ``views`` package), and functions whose
  ``request`` parameter is annotated with a framework request type. They are decided after the
  fixpoint, when the callers are known; a look-alike that is called is a helper and receives its
  arguments' taint from its callers instead.

Uncalled module-level functions of a module that imports a web framework get the request itself
(``request.GET`` is a source) but not URL values for their other parameters.

Handler methods (``get``, ``post`` ...) of subclasses of framework handler classes (Tornado's
``RequestHandler``) are entry points too: their parameters after ``self`` are URL path values.
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
        self._framework: dict[str, bool] = {}
        # `from aiohttp import web` then `web.get(...)`: an import of any prefix of a URL function
        prefixes = {u.rsplit(".", i)[0] for u in spec.url_functions for i in range(u.count(".") + 1)}
        for module in program.modules.values():
            if prefixes.intersection(module.aliases.values()):
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

    def is_handler(self, fi: FunctionInfo) -> bool:
        """A handler method of a subclass of a framework handler class."""
        node = fi.node
        if node is None or fi.cls is None or node.name not in HANDLERS:
            return False
        return self._framework_class(fi.cls, 0)

    def _framework_class(self, cls: str, depth: int) -> bool:
        found = self._framework.get(cls)
        if found is None:
            klass = self.program.klass(cls)
            if klass is None:
                found = cls in self.spec.handler_classes
            else:
                found = depth < 8 and any(self._framework_class(b, depth + 1) for b in klass.bases)
            self._framework[cls] = found
        return found

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
        first = node.args.posonlyargs + node.args.args
        ann = first[request_index(fi)].annotation
        name = dotted(ann) if ann is not None else None
        if name and self.program.qualify(module, name) in self.spec.request_types:
            return True
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

    def request_entry(self, fi: FunctionInfo) -> bool:
        """A module-level function of a web application module taking ``request`` first: when no
        scanned code calls it, the framework does, with the real request (its other parameters
        are not taken for URL values: that needs the stronger evidence of :meth:`candidate`)."""
        node = fi.node
        if node is None or fi.cls is not None or request_index(fi) != 0:
            return False
        return fi.qualname == f"{fi.module}.{node.name}" and self.program.modules[fi.module].uses_web
