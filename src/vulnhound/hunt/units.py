"""Split source files into code units with tree-sitter, for every language a model may read.

A unit is a top-level function, a method (named ``Class.method``), a class without
methods, or, for a file with none of these, the file itself. Nested functions and
callbacks stay inside their parent so that a model sees them in context. Each unit
carries the file's imports, which is often what tells a model where data comes from.

A file that has functions or classes also gets *module units* (kind ``"module"``) for its
top-level code: Python's ``if __name__ == "__main__":`` block, a Flask ``app.run(debug=True)``,
Express route registrations, Sinatra routes, Go ``var db = sql.Open(...)``. A module unit
is a run of consecutive top-level statements between definitions, from its first statement
to its last, less the lines already inside another unit (a callback passed to
``app.get(...)`` is a function unit of its own, never repeated), so lines of module and
function units never overlap. A run is left out when nothing in it is a statement worth
reading: only imports, comments, docstrings, ``__dunder__`` assignments (``__all__``) and
type-only declarations (TypeScript interfaces and type aliases, C/C++ typedefs, struct and
enum declarations and prototypes, Go type declarations); so is a leftover of a run that
holds no letter or digit (the ``});`` closing a callback). Constants are kept: module-level
settings (``DEBUG = True``, ``SECRET_KEY = ...``) are what a reviewer wants to see. Module
units are named ``<module>``, or ``<module>#1``, ``<module>#2`` ... in source order when a
file has several (separate runs, or one run longer than ``MAX_UNIT_LINES`` split up). The
contents of C/C++ ``#if``/``#ifdef`` blocks and ``extern "C" { }`` count as top level.
Grammars are the per-language PyPI wheels; a language whose grammar is not installed
gets no units (and the caller says so), never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node, Parser

from vulnhound import grammars
from vulnhound.sources import SourceFile

MAX_UNIT_LINES = 300


@dataclass(frozen=True)
class _Grammar:
    module: str
    factory: str
    functions: frozenset[str]
    classes: frozenset[str]
    imports: frozenset[str]
    wrappers: frozenset[str] = frozenset()  # nodes whose child is the real definition


_GRAMMARS: dict[str, _Grammar] = {
    "python": _Grammar(
        "tree_sitter_python",
        "language",
        frozenset({"function_definition"}),
        frozenset({"class_definition"}),
        frozenset({"import_statement", "import_from_statement", "future_import_statement"}),
        frozenset({"decorated_definition"}),
    ),
    "javascript": _Grammar(
        "tree_sitter_javascript",
        "language",
        frozenset(
            {
                "function_declaration",
                "generator_function_declaration",
                "method_definition",
                "arrow_function",
                "function_expression",
            }
        ),
        frozenset({"class_declaration", "class"}),
        frozenset({"import_statement"}),
    ),
    "typescript": _Grammar(
        "tree_sitter_typescript",
        "language_typescript",
        frozenset(
            {
                "function_declaration",
                "generator_function_declaration",
                "method_definition",
                "arrow_function",
                "function_expression",
            }
        ),
        frozenset({"class_declaration", "abstract_class_declaration", "class"}),
        frozenset({"import_statement"}),
    ),
    "java": _Grammar(
        "tree_sitter_java",
        "language",
        frozenset({"method_declaration", "constructor_declaration", "lambda_expression"}),
        frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}),
        frozenset({"import_declaration", "package_declaration"}),
    ),
    "c": _Grammar(
        "tree_sitter_c",
        "language",
        frozenset({"function_definition"}),
        frozenset(),
        frozenset({"preproc_include"}),
    ),
    "cpp": _Grammar(
        "tree_sitter_cpp",
        "language",
        frozenset({"function_definition"}),
        frozenset({"class_specifier", "struct_specifier", "namespace_definition"}),
        frozenset({"preproc_include", "using_declaration"}),
    ),
    "go": _Grammar(
        "tree_sitter_go",
        "language",
        frozenset({"function_declaration", "method_declaration", "func_literal"}),
        frozenset(),
        frozenset({"import_declaration", "package_clause"}),
    ),
    "php": _Grammar(
        "tree_sitter_php",
        "language_php",
        frozenset({"function_definition", "method_declaration", "anonymous_function", "arrow_function"}),
        frozenset({"class_declaration", "trait_declaration", "interface_declaration"}),
        frozenset(
            {
                "namespace_use_declaration",
                "namespace_definition",
                "include_expression",
                "require_expression",
                "require_once_expression",
                "include_once_expression",
            }
        ),
    ),
    "ruby": _Grammar(
        "tree_sitter_ruby",
        "language",
        frozenset({"method", "singleton_method"}),
        frozenset({"class", "module", "singleton_class"}),
        frozenset(),
    ),
}
_TSX = _Grammar(
    "tree_sitter_typescript",
    "language_tsx",
    _GRAMMARS["typescript"].functions,
    _GRAMMARS["typescript"].classes,
    _GRAMMARS["typescript"].imports,
)
_REQUIRE = re.compile(r"\b(require|require_relative|load|import)\b\s*\(?\s*['\"]")

# Words that make a unit worth a model's attention first when a budget may run out.
_RISKY = re.compile(
    r"\b(exec|eval|system|popen|subprocess|shell|query|execute|cursor|raw|sql|open|read|write|"
    r"request|params|argv|input|getenv|cookie|session|password|token|secret|pickle|yaml|"
    r"deserializ|unserialize|redirect|url|fetch|http|upload|path|file|template|render|innerHTML|"
    r"strcpy|sprintf|memcpy|gets|malloc|Runtime|ProcessBuilder|crypto|hash|md5|sha1|random)\w*",
    re.IGNORECASE,
)


def supported_languages() -> frozenset[str]:
    return frozenset(_GRAMMARS)


@dataclass(frozen=True)
class CodeUnit:
    """A function, method or class of one file, with the imports of that file."""

    path: str
    language: str
    name: str
    kind: str  # "function" | "class" | "module" | "file"
    start_line: int
    end_line: int
    lines: tuple[str, ...]
    imports: tuple[tuple[int, str], ...]  # (line number, text)

    @property
    def id(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}:{self.name}"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line

    def risk(self) -> int:
        return len(_RISKY.findall(self.text))


def _parser(grammar: _Grammar) -> Parser | None:
    return grammars.parser(grammar.module, grammar.factory)


def grammar_available(language: str) -> bool:
    grammar = _GRAMMARS.get(language)
    return grammar is not None and grammars.language(grammar.module, grammar.factory) is not None


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _name(node: Node) -> str:
    named = node.child_by_field_name("name")
    if named is not None:
        return _text(named)
    declarator = node.child_by_field_name("declarator")
    while declarator is not None:  # C/C++: int *f(int) -> pointer_declarator -> function_declarator
        if declarator.type in {
            "identifier",
            "field_identifier",
            "qualified_identifier",
            "destructor_name",
            "operator_name",
        }:
            return _text(declarator)
        declarator = declarator.child_by_field_name("declarator")
    parent = node.parent
    if parent is not None and parent.type in {
        "variable_declarator",
        "pair",
        "assignment_expression",
        "public_field_definition",
    }:
        target = (
            parent.child_by_field_name("name")
            or parent.child_by_field_name("key")
            or parent.child_by_field_name("left")
        )
        if target is not None:
            return _text(target)
    return f"<anonymous@{node.start_point[0] + 1}>"


def _outer(node: Node) -> Node:
    """A function assigned to a variable: include the declaration (``const f = () => ...``)."""
    current = node
    while current.parent is not None and current.parent.type in {
        "variable_declarator",
        "lexical_declaration",
        "variable_declaration",
        "decorated_definition",
        "export_statement",
    }:
        current = current.parent
    return current


def _is_import(grammar: _Grammar, node: Node, at_top: bool) -> bool:
    """An import, or a top-level ``require(...)`` / ``require 'x'`` statement."""
    return node.type in grammar.imports or (
        at_top
        and node.type in {"expression_statement", "lexical_declaration", "call"}
        and _REQUIRE.search(_text(node).split("\n", 1)[0]) is not None
    )


# Containers whose items count as top-level code, and the fields that hold those items.
_TRANSPARENT = frozenset(
    {
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "linkage_specification",
    }
)
_TRANSPARENT_FIELDS = frozenset({"body", "alternative"})
# Top-level items with no code worth a unit of their own: declarations of types only,
# PHP's tags and inline HTML, empty statements.
_TYPE_ONLY = frozenset(
    {
        "interface_declaration",
        "type_alias_declaration",
        "ambient_declaration",
        "type_definition",
        "struct_specifier",
        "union_specifier",
        "enum_specifier",
        "type_declaration",
        "php_tag",
        "text_interpolation",
        "text",
        "empty_statement",
    }
)
_DUNDER = re.compile(r"__\w+__")


def _top_level(root: Node) -> Iterator[Node]:
    """The top-level items of a tree, looking through preprocessor blocks and ``extern "C"``.

    Iterative: preprocessor blocks may nest deeper than Python's recursion limit.
    """

    def items(parent: Node) -> Iterator[tuple[Node, Node, int]]:
        return ((parent, c, i) for i, c in enumerate(parent.children))

    stack = [items(root)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        parent, child, index = step
        if not child.is_named:
            continue
        field = parent.field_name_for_child(index)
        if parent.type in _TRANSPARENT and field is not None and field not in _TRANSPARENT_FIELDS:
            continue  # the condition of an #if, the name of an #ifdef, the "C" of extern "C"
        if child.type in _TRANSPARENT or (child.type == "declaration_list" and parent.type in _TRANSPARENT):
            stack.append(items(child))
        else:
            yield child


def _end_row(node: Node) -> int:
    """The last row holding text of ``node`` (preprocessor lines end at column 0 of the next)."""
    end = node.end_point
    return end[0] - 1 if end[1] == 0 and end[0] > node.start_point[0] else end[0]


def _is_definition(grammar: _Grammar, node: Node, covered: set[int]) -> bool:
    definitions = grammar.functions | grammar.classes | grammar.wrappers
    if node.type in definitions:
        return True
    if node.type == "export_statement" and any(c.type in definitions for c in node.named_children):
        return True
    return all(row in covered for row in range(node.start_point[0], _end_row(node) + 1))


def _worth_reading(grammar: _Grammar, language: str, node: Node) -> bool:
    """Whether a top-level item that is no definition is a statement worth a module unit."""
    kind = node.type
    if "comment" in kind or kind in _TYPE_ONLY or _is_import(grammar, node, True):
        return False
    if language in {"c", "cpp"} and kind == "declaration":
        declarator = node.child_by_field_name("declarator")
        return declarator is None or declarator.type != "function_declarator"  # a prototype
    if language == "python" and kind in _PY_COMPOUND:
        return not _imports_only(grammar, node)
    if language == "python" and kind == "expression_statement":
        first = node.named_children[0] if node.named_children else None
        if first is None or (
            len(node.named_children) == 1 and first.type in {"string", "concatenated_string"}
        ):
            return False  # a docstring
        if first.type == "assignment":
            target = first.child_by_field_name("left")
            return target is None or not _DUNDER.fullmatch(_text(target))
    return True


_PY_COMPOUND = frozenset({"if_statement", "try_statement", "with_statement"})
_PY_SIMPLE = frozenset(
    {
        "expression_statement",
        "return_statement",
        "raise_statement",
        "assert_statement",
        "delete_statement",
        "global_statement",
        "nonlocal_statement",
        "print_statement",
        "exec_statement",
        "type_alias_statement",
        "for_statement",
        "while_statement",
        "match_statement",
    }
)


def _imports_only(grammar: _Grammar, node: Node) -> bool:
    """A Python ``if TYPE_CHECKING:`` / ``try: import x except ImportError: ...`` holding only
    imports (and ``pass``, and definitions, which are units of their own)."""
    stack = [node]
    imported = False
    while stack:
        current = stack.pop()
        if current.type in grammar.imports:
            imported = True
        elif current.type in _PY_SIMPLE:
            return False
        elif current.type not in grammar.functions | grammar.classes | grammar.wrappers:
            stack.extend(current.named_children)
    return imported


def _module_segments(
    grammar: _Grammar,
    language: str,
    root: Node,
    spans: list[tuple[str, str, int, int]],
    lines: list[str],
) -> list[tuple[int, int]]:
    """Row ranges (0-based, inclusive) of top-level code outside every other unit."""
    covered = {row for _n, _k, start, end in spans for row in range(start, end + 1)}
    runs: list[list[Node]] = [[]]
    for item in _top_level(root):
        if _is_definition(grammar, item, covered):
            runs.append([])
        else:
            runs[-1].append(item)
    segments: list[tuple[int, int]] = []
    for run in runs:
        statements = [n for n in run if _worth_reading(grammar, language, n)]
        if not statements:
            continue
        wanted = {
            row
            for n in statements
            for row in range(n.start_point[0], _end_row(n) + 1)
            if row not in covered and row < len(lines)
        }
        first, last = statements[0].start_point[0], _end_row(statements[-1])
        start: int | None = None
        for row in range(first, min(last, len(lines) - 1) + 2):
            if row <= last and row < len(lines) and row not in covered:
                if start is None:
                    start = row
                continue
            if start is not None:
                end = row - 1
                while end > start and not lines[end].strip():
                    end -= 1
                while start < end and not lines[start].strip():
                    start += 1
                if any(r in wanted and any(c.isalnum() for c in lines[r]) for r in range(start, end + 1)):
                    segments.append((start, end))
                start = None
    return segments


def extract_units(source: SourceFile, max_lines: int = MAX_UNIT_LINES) -> list[CodeUnit]:
    """The units of one file, in source order; [] when its language has no grammar here."""
    grammar = _GRAMMARS.get(source.language)
    if source.language == "typescript" and source.path.endswith(".tsx"):
        grammar = _TSX
    if grammar is None:
        return []
    parser = _parser(grammar)
    if parser is None:
        return []
    tree = parser.parse(source.text.encode("utf-8"))
    lines = source.lines
    spans: list[tuple[str, str, int, int]] = []  # name, kind, start row, end row (0-based)
    imports: list[tuple[int, str]] = []

    # Depth first, in source order, with an explicit stack: code may nest deeper than
    # Python's recursion limit. A frame: (parent, its children, scope, class left on exit).
    Frame = tuple[Node, Iterator[Node], str, tuple[str, Node, int] | None]
    frames: list[Frame] = [(tree.root_node, iter(tree.root_node.named_children), "", None)]
    while frames:
        node, children, scope, leaving = frames[-1]
        child = next(children, None)
        if child is None:
            frames.pop()
            if leaving is not None:
                qualified, definition, before = leaving
                if len(spans) == before:  # a class without methods is a unit of its own
                    outer = _outer(definition)
                    spans.append((qualified, "class", outer.start_point[0], outer.end_point[0]))
            continue
        kind = child.type
        if _is_import(grammar, child, node.parent is None):
            imports.append((child.start_point[0] + 1, _text(child).split("\n", 1)[0]))
        elif kind in grammar.functions:
            outer = _outer(child)
            name = _name(child)
            spans.append(
                (f"{scope}.{name}" if scope else name, "function", outer.start_point[0], outer.end_point[0])
            )
        elif kind in grammar.classes:
            name = _name(child)
            qualified = f"{scope}.{name}" if scope else name
            frames.append((child, iter(child.named_children), qualified, (qualified, child, len(spans))))
        else:
            frames.append((child, iter(child.named_children), scope, None))
    if not spans and any(line.strip() for line in lines):
        spans.append(("<file>", "file", 0, max(len(lines) - 1, 0)))
    elif spans:
        pieces = [
            (start, min(end, start + max_lines - 1))
            for segment_start, end in _module_segments(grammar, source.language, tree.root_node, spans, lines)
            for start in range(segment_start, end + 1, max_lines)
        ]
        for number, (start, end) in enumerate(pieces, start=1):
            spans.append(("<module>" if len(pieces) == 1 else f"<module>#{number}", "module", start, end))
    units: list[CodeUnit] = []
    for name, kind, start, end in sorted(spans, key=lambda s: (s[2], s[3])):
        for chunk_start in range(start, end + 1, max_lines):
            chunk_end = min(end, chunk_start + max_lines - 1)
            label = (
                name
                if chunk_end == end and chunk_start == start
                else f"{name}#{(chunk_start - start) // max_lines + 1}"
            )
            units.append(
                CodeUnit(
                    path=source.path,
                    language=source.language,
                    name=label,
                    kind=kind,
                    start_line=chunk_start + 1,
                    end_line=chunk_end + 1,
                    lines=tuple(lines[chunk_start : chunk_end + 1]),
                    imports=tuple(imports),
                )
            )
    return units


def enclosing_unit(units: list[CodeUnit], line: int) -> CodeUnit | None:
    """The smallest unit containing ``line``."""
    holding = [u for u in units if u.contains(line)]
    return min(holding, key=lambda u: u.end_line - u.start_line) if holding else None


def iter_units(files: list[SourceFile], on_unsupported: Callable[[SourceFile], Any]) -> Iterator[CodeUnit]:
    for source in files:
        if not grammar_available(source.language):
            on_unsupported(source)
            continue
        yield from extract_units(source)
