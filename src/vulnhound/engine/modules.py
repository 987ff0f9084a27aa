"""The scanned program: module names from paths, imports resolved between scanned modules.

A module is known by its dotted name relative to the scan root and by every dotted suffix of
it, so scanning ``src/`` still resolves ``import pkg.mod`` to ``src/pkg/mod.py`` (a suffix is
used only when it names exactly one module).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from vulnhound.code_context import classify
from vulnhound.findings import CodeContext
from vulnhound.pyparse import LineIndex, PythonSyntaxError, parse_python
from vulnhound.sources import SourceFile


def module_name(path: str) -> tuple[str, bool]:
    """(dotted name, is_package) for a relative POSIX path. A folder whose name is no Python
    identifier (`aiohttp-3.9.1/`, an unpacked release) cannot be imported through, so the name
    starts below it: `aiohttp-3.9.1/aiohttp/web.py` is `aiohttp.web`, the name imports use."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    folders = parts[:-1] if not is_package else parts
    for index in range(len(folders) - 1, -1, -1):
        if folders[index] and not folders[index].isidentifier():
            parts = parts[index + 1 :]
            break
    return ".".join(p for p in parts if p) or "__init__", is_package


@dataclass
class FunctionInfo:
    qualname: str  # module.Class.func
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | None  # None: a module body
    cls: str | None = None  # qualified class name for methods
    short: str = ""  # Class.func, for finding contexts
    params: tuple[str, ...] = ()
    is_method: bool = False
    static: bool = False


@dataclass
class ClassInfo:
    qualname: str
    module: str
    bases: tuple[str, ...] = ()  # qualified where resolvable
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname


@dataclass
class ModuleInfo:
    name: str
    path: str
    tree: ast.Module
    is_package: bool
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> qualified
    uses_fastapi: bool = False
    uses_flask: bool = False
    uses_web: bool = False  # imports a web framework whose app/router objects have get/post decorators
    lines: LineIndex | None = None  # for character columns (ast counts UTF-8 bytes)
    test: bool = False  # a test module (tests/ folder, test_*.py, conftest.py)


def is_test_path(path: str) -> bool:
    """A test module by its relative path, under the default conventions of code contexts."""
    return classify(path) is CodeContext.TEST


def _absolute(module: ModuleInfo, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    if target:
        return f"{package}.{target}" if package else target
    return package


def _imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Import statements at any statement depth; expressions are never entered (cheap)."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [body]
    while stack:
        for node in stack.pop():
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
                continue
            for name in _BODIES:
                sub = getattr(node, name, None)
                if sub:
                    stack.append(sub)
            if isinstance(node, ast.Try) or node.__class__.__name__ == "TryStar":
                stack.extend(h.body for h in node.handlers)  # type: ignore[attr-defined]
            elif isinstance(node, ast.Match):
                stack.extend(c.body for c in node.cases)
    return found


_BODIES = ("body", "orelse", "finalbody")


def collect_aliases(module: ModuleInfo) -> None:
    """Local name -> qualified name for every import of the module (any depth)."""
    aliases = module.aliases
    for node in _imports(module.tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    aliases[head] = head
        else:
            base = _absolute(module, node.level, node.module)
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    values = set(aliases.values())
    module.uses_fastapi = any(v.startswith(("fastapi", "starlette")) for v in values)
    module.uses_flask = any(v.startswith("flask") for v in values)
    module.uses_web = any(v.partition(".")[0] in _WEB for v in values)


_WEB = frozenset(
    {
        "fastapi",
        "starlette",
        "flask",
        "quart",
        "aiohttp",
        "bottle",
        "sanic",
        "litestar",
        "django",
        "rest_framework",
    }
)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain over a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Program:
    """All scanned modules with their functions and classes."""

    def __init__(self) -> None:
        self.modules: dict[str, ModuleInfo] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self._suffix: dict[str, list[str]] = {}
        self._top: set[str] = set()  # first components of the module names
        # memo tables, cleared whenever a module is added (their answers depend on the modules)
        self._qualified: dict[tuple[str, str], str] = {}
        self._canon: dict[str, str] = {}
        # the scan root is itself this package (scanning `django/`): `django.x` names module `x`
        self.root_package = ""

    def add_module(self, path: str, tree: ast.Module, text: str | None = None) -> ModuleInfo:
        name, is_package = module_name(path)
        if name in self.modules:  # two roots with the same relative name: keep both apart
            name = path
        module = ModuleInfo(name, path, tree, is_package, test=is_test_path(path))
        module.lines = LineIndex(text) if text is not None else None
        collect_aliases(module)
        self.modules[name] = module
        self._top.add(name.partition(".")[0])
        parts = name.split(".")
        for i in range(1, len(parts)):
            self._suffix.setdefault(".".join(parts[i:]), []).append(name)
        self.functions[f"{name}.<module>"] = FunctionInfo(f"{name}.<module>", name, None, short="<module>")
        self._collect(module, tree.body, name, None, "")
        self._qualified.clear()
        self._canon.clear()
        return module

    def _collect(
        self, module: ModuleInfo, body: list[ast.stmt], prefix: str, cls: str | None, short: str
    ) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{prefix}.{node.name}"
                decorators = {dotted(d) for d in node.decorator_list}
                static = "staticmethod" in decorators
                params = tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
                if qual in self.functions:
                    # a second definition (try/except ImportError, a platform branch): analysed
                    # too, under its own key; calls still resolve to the first
                    qual = f"{qual}@{node.lineno}"
                info = FunctionInfo(
                    qual, module.name, node, cls, f"{short}{node.name}", params,
                    is_method=cls is not None and not static, static=static,
                )  # fmt: skip
                self.functions[qual] = info
                if cls is not None:
                    self.classes[cls].methods.setdefault(node.name, qual)
                self._collect(module, node.body, qual, None, f"{short}{node.name}.")
            elif isinstance(node, ast.ClassDef):
                qual = f"{prefix}.{node.name}"
                bases = tuple(self.qualify(module, d) or "" for d in (dotted(b) for b in node.bases) if d)
                self.classes[qual] = ClassInfo(qual, module.name, bases)
                self._collect(module, node.body, qual, qual, f"{short}{node.name}.")
            elif isinstance(node, ast.If | ast.Try | ast.With):  # defs under `if TYPE_CHECKING`, try
                for sub in (
                    getattr(node, "body", []),
                    getattr(node, "orelse", []),
                    getattr(node, "finalbody", []),
                    *(h.body for h in getattr(node, "handlers", [])),  # except ImportError: def ...
                ):
                    self._collect(module, sub, prefix, cls, short)

    def qualify(self, module: ModuleInfo, name: str) -> str:
        key = (module.name, name)
        found = self._qualified.get(key)
        if found is None:
            found = self._qualify(module, name)
            root = self.root_package
            if root and found.partition(".")[0] in self._top:
                found = f"{root}.{found}"  # the name rules and imports use: django.utils.html.escape
            self._qualified[key] = found
        return found

    def _qualify(self, module: ModuleInfo, name: str) -> str:
        head, _, rest = name.partition(".")
        base = module.aliases.get(head)
        if base is None:
            base = f"{module.name}.{head}" if self._defined(module, head) else head
        return f"{base}.{rest}" if rest else base

    def _defined(self, module: ModuleInfo, head: str) -> bool:
        qual = f"{module.name}.{head}"
        return qual in self.functions or qual in self.classes

    def _canonical(self, qualified: str) -> str:
        """Map a name through suffix module names (``pkg.mod.f`` -> ``src.pkg.mod.f``)."""
        found = self._canon.get(qualified)
        if found is None:
            found = self._canon[qualified] = self._canonical_uncached(qualified)
        return found

    def _canonical_uncached(self, qualified: str) -> str:
        root = self.root_package
        if root and qualified.startswith(root + ".") and qualified[len(root) + 1 :]:
            inner = self._canonical_uncached(qualified[len(root) + 1 :])
            if inner.partition(".")[0] in self._top:
                return inner
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:i])
            if mod in self.modules:
                return qualified
            found = self._suffix.get(mod)
            if found and len(found) == 1:
                return ".".join([found[0], *parts[i:]])
        return qualified

    def function(self, qualified: str) -> FunctionInfo | None:
        info = self.functions.get(qualified)
        if info is None:
            info = self.functions.get(self._canonical(qualified))
        if info is None:  # a re-export: pkg/__init__.py does `from .mod import f`
            mod, _, attr = qualified.rpartition(".")
            module = self.modules.get(self._canonical(mod)) if mod else None
            target = module.aliases.get(attr) if module else None
            if target and target != qualified:
                info = self.functions.get(self._canonical(target))
        return info

    def klass(self, qualified: str) -> ClassInfo | None:
        return self.classes.get(qualified) or self.classes.get(self._canonical(qualified))

    def method(self, cls: str, name: str, depth: int = 0) -> FunctionInfo | None:
        info = self.klass(cls)
        if info is None or depth > 5:
            return None
        qual = info.methods.get(name)
        if qual is not None:
            return self.functions.get(qual)
        for base in info.bases:
            found = self.method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def module_of(self, qualified: str) -> ModuleInfo | None:
        return self.modules.get(qualified) or self.modules.get(self._canonical(qualified))


def python_program(files: Sequence[SourceFile]) -> tuple[Program, dict[str, ModuleInfo]]:
    """The Python files parsed into one program, and their modules by file path; files that do
    not parse are left out (the analyzers that read them report why)."""
    program = Program()
    by_path: dict[str, ModuleInfo] = {}
    for source in files:
        if source.language != "python":
            continue
        try:
            tree = parse_python(source.text, source.path)
        except (PythonSyntaxError, RecursionError):
            continue
        by_path[source.path] = program.add_module(source.path, tree, source.text)
    return program, by_path
