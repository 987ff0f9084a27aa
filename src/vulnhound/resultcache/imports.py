"""Which Python files depend on which, for re-analysing only what a change can reach.

A module's taint results depend on the modules it imports (their functions' summaries) and
are depended on by the modules importing it. Imports anywhere in a file count (the engine
resolves function-level imports too). Resolution over-approximates on purpose: an import
that might name a scanned module counts as a dependency, so the re-analysed set is never
too small.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from vulnhound.engine.modules import module_name

# Import statements are found by text, without parsing: on lines holding "import", also after
# `;` or `:` (`try: import x`), with backslash and parenthesised continuations. Text that only
# looks like an import (in a string) adds an edge too, which is safe; a parse would cost as
# much as a quarter of the engine's own time on a large tree.
_FROM = re.compile(r"\s*from\s+(\.*)\s*([\w.]*)\s+import\b(.*)", re.S)
_IMPORT = re.compile(r"\s*import\s+(.*)", re.S)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_COMMENT = re.compile(r"#[^\n]*")


def _statements(text: str) -> list[str]:
    """The logical lines that mention ``import``, comments removed, split at `;` and `:`."""
    lines = text.split("\n")
    found: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "import" not in line:
            continue
        statement = _COMMENT.sub("", line)
        while statement.rstrip().endswith("\\") and index < len(lines):
            statement = statement.rstrip()[:-1] + " " + _COMMENT.sub("", lines[index])
            index += 1
        if statement.count("(") > statement.count(")"):
            while index < len(lines) and statement.count("(") > statement.count(")"):
                statement += " " + _COMMENT.sub("", lines[index])
                index += 1
        found += re.split(r"[;:]", statement)
    return found


def imported_names(path: str, text: str) -> list[str]:
    """Absolute dotted names a file imports (``from a import b`` gives ``a`` and ``a.b``)."""
    if "import" not in text:
        return []
    name, is_package = module_name(path)
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for statement in _statements(text):
        if match := _FROM.match(statement):
            dots, base, names = match.groups()
            if dots:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (len(dots) - 1)] if len(dots) > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if base:
                found.add(base)
            for item in names.replace("(", " ").replace(")", " ").split(","):
                words = _NAME.findall(item)
                if words:
                    found.add(f"{base}.{words[0]}" if base else words[0])
        elif match := _IMPORT.match(statement):
            for item in match.group(1).split(","):
                words = _NAME.findall(item)
                if words:
                    found.add(words[0])
    return sorted(found)


class ImportGraph:
    """Edges between scanned files: ``imports[p]`` are the files ``p`` may import.

    Names resolve as the engine resolves them (:mod:`vulnhound.engine.modules`): a module's
    full dotted name; a dotted suffix of it when no other module has that suffix; and, when
    the scan root is a package itself, a name with that package's name in front.
    """

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        full: dict[str, set[str]] = {}
        suffixes: dict[str, set[str]] = {}
        for path in names:
            dotted = module_name(path)[0].split(".")
            full.setdefault(".".join(dotted), set()).add(path)
            for start in range(1, len(dotted)):
                suffixes.setdefault(".".join(dotted[start:]), set()).add(path)
        by_name = {name: set(paths) for name, paths in suffixes.items() if len(paths) == 1}
        for name, paths in full.items():
            by_name.setdefault(name, set()).update(paths)
        self.imports: dict[str, set[str]] = {}
        self.importers: dict[str, set[str]] = {}
        for path, targets in names.items():
            found: set[str] = set()
            for target in targets:
                found |= _resolve(target, by_name)
            found.discard(path)
            self.imports[path] = found
            for other in found:
                self.importers.setdefault(other, set()).add(path)

    def importers_of(self, paths: Iterable[str]) -> set[str]:
        """``paths`` and every file that imports one of them, directly or not."""
        return _closure(paths, self.importers)

    def imported_by(self, paths: Iterable[str]) -> set[str]:
        """``paths`` and every file one of them imports, directly or not."""
        return _closure(paths, self.imports)


def _resolve(target: str, by_name: Mapping[str, set[str]]) -> set[str]:
    """Every module a prefix of ``target`` may name (all prefixes: over, never under)."""
    parts = target.split(".")
    found: set[str] = set()
    for first in (0, 1):  # `django.x` names module `x` when the scan root is the package itself
        for end in range(len(parts), first, -1):
            found |= by_name.get(".".join(parts[first:end]), set())
    return found


def _closure(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for other in edges.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen
