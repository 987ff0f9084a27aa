"""Split source files into code units with tree-sitter, for every language a model may read.

A unit is a top-level function, a method (named ``Class.method``), a class without
methods, or, for a file with none of these, the file itself. Nested functions and
callbacks stay inside their parent so that a model sees them in context. Each unit
carries the file's imports, which is often what tells a model where data comes from.
Grammars are the per-language PyPI wheels; a language whose grammar is not installed
gets no units (and the caller says so), never an error.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from tree_sitter import Language, Node, Parser

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
    kind: str  # "function" | "class" | "file"
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


_local = threading.local()


@cache
def _language(module: str, factory: str) -> Language | None:
    try:
        return Language(getattr(import_module(module), factory)())
    except (ImportError, AttributeError):
        return None


def _parser(grammar: _Grammar) -> Parser | None:
    """Parsers are not thread safe: one per thread and grammar."""
    language = _language(grammar.module, grammar.factory)
    if language is None:
        return None
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    key = f"{grammar.module}:{grammar.factory}"
    if key not in parsers:
        parsers[key] = Parser(language)
    return parsers[key]


def grammar_available(language: str) -> bool:
    grammar = _GRAMMARS.get(language)
    return grammar is not None and _language(grammar.module, grammar.factory) is not None


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

    def visit(node: Node, scope: str) -> None:
        for child in node.named_children:
            kind = child.type
            if kind in grammar.imports or (
                node.parent is None
                and kind in {"expression_statement", "lexical_declaration", "call"}
                and _REQUIRE.search(_text(child).split("\n", 1)[0])
            ):
                imports.append((child.start_point[0] + 1, _text(child).split("\n", 1)[0]))
                continue
            if kind in grammar.functions:
                outer = _outer(child)
                name = _name(child)
                spans.append(
                    (
                        f"{scope}.{name}" if scope else name,
                        "function",
                        outer.start_point[0],
                        outer.end_point[0],
                    )
                )
                continue
            if kind in grammar.classes:
                name = _name(child)
                qualified = f"{scope}.{name}" if scope else name
                before = len(spans)
                visit(child, qualified)
                if len(spans) == before:
                    outer = _outer(child)
                    spans.append((qualified, "class", outer.start_point[0], outer.end_point[0]))
                continue
            visit(child, scope)

    visit(tree.root_node, "")
    if not spans and any(line.strip() for line in lines):
        spans.append(("<file>", "file", 0, max(len(lines) - 1, 0)))
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
