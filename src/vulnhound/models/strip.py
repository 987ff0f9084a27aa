"""Source text without its comments and docstrings, lines kept, for what a model is shown.

Comments and docstrings are where text aimed at a model hides, and a model needs neither to
judge code. :func:`strip_comments` removes them and keeps everything else where it was: the
result has the same lines (line ``n`` of the result is line ``n`` of the input, with its code
part only; a line that held nothing but a comment is empty), so line numbers still match.
A docstring (in Python, any statement that is a string and nothing else) becomes ``""`` on
its first line, its other lines empty. String literals stay: SQL in a string is evidence.

Comments are found with tree-sitter for python, javascript, typescript, java, c, cpp, go,
php and ruby (grammars from the per-language wheels; one parser per thread). For other
languages whose comments start with "#" (shell, YAML, TOML, INI, dotenv, Dockerfile) whole
comment lines are removed, and for HTML and XML ``<!-- -->`` comments; any other text is
returned unchanged. Nothing here raises: on any trouble (no grammar, text too large, a
parser error) the text comes back as it was.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node, Parser, Query, QueryCursor

from vulnhound import grammars

MAX_PARSE = 8 * 1024 * 1024  # bytes: larger texts are returned unchanged


@dataclass(frozen=True)
class _Grammar:
    module: str
    factory: str
    comments: tuple[str, ...]  # node types that are comments
    docstrings: bool = False  # Python: string-only statements


_GRAMMARS: dict[str, _Grammar] = {
    "python": _Grammar("tree_sitter_python", "language", ("comment",), docstrings=True),
    "javascript": _Grammar("tree_sitter_javascript", "language", ("comment", "html_comment")),
    "typescript": _Grammar("tree_sitter_typescript", "language_typescript", ("comment", "html_comment")),
    "java": _Grammar("tree_sitter_java", "language", ("line_comment", "block_comment")),
    "c": _Grammar("tree_sitter_c", "language", ("comment",)),
    "cpp": _Grammar("tree_sitter_cpp", "language", ("comment",)),
    "go": _Grammar("tree_sitter_go", "language", ("comment",)),
    "php": _Grammar("tree_sitter_php", "language_php", ("comment",)),
    "ruby": _Grammar("tree_sitter_ruby", "language", ("comment",)),
}
_TSX = _Grammar("tree_sitter_typescript", "language_tsx", ("comment", "html_comment"))
# Languages whose comments are whole lines starting with "#" (or ";" in INI files).
_HASH_LINES = {
    "shell": "#",
    "yaml": "#",
    "toml": "#",
    "ini": "#;",
    "dotenv": "#",
    "dockerfile": "#",
}
_MARKUP = frozenset({"html", "xml"})

# Line breaks as str.splitlines sees them, in UTF-8: kept wherever text is removed.
_BREAKS = re.compile(rb"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MARKUP_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def _parser(grammar: _Grammar) -> Parser | None:
    return grammars.parser(grammar.module, grammar.factory)


@cache
def _query(module: str, factory: str, source: str) -> Query | None:
    language = grammars.language(module, factory)
    if language is None:
        return None
    try:
        return Query(language, source)
    except Exception:  # a node type this grammar version lacks
        return None


def supported(language: str) -> bool:
    """Whether comments of ``language`` are removed (not only returned unchanged)."""
    grammar = _GRAMMARS.get(language)
    if grammar is not None:
        return grammars.language(grammar.module, grammar.factory) is not None
    return language in _HASH_LINES or language in _MARKUP


def strip_comments(text: str, language: str) -> str:
    """``text`` without comments and with docstrings blanked, line for line; never raises."""
    try:
        grammar = _GRAMMARS.get(language)
        if grammar is not None:
            return _strip_parsed(text, grammar)
        if language in _HASH_LINES:
            return _strip_hash_lines(text, _HASH_LINES[language])
        if language in _MARKUP:
            return _strip_markup(text)
    except Exception:  # a parser or grammar failure: the text as it was
        return text
    return text


def _strip_parsed(text: str, grammar: _Grammar) -> str:
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_PARSE or not data.strip():
        return text
    parser = _parser(grammar)
    if parser is None:
        return text
    tree = parser.parse(data)
    if grammar is _GRAMMARS["typescript"] and tree.root_node.has_error:
        # JSX: the TSX grammar reads it, and what it cannot read it reads no worse.
        tsx = _parser(_TSX)
        if tsx is not None:
            other = tsx.parse(data)
            if not other.root_node.has_error:
                grammar, tree = _TSX, other
    edits: list[tuple[int, int, bytes]] = []  # (start byte, end byte, what the code keeps)
    comments = _query(grammar.module, grammar.factory, " ".join(f"({kind}) @c" for kind in grammar.comments))
    if comments is not None:
        for node in _captured(comments, tree.root_node):
            edits.append((node.start_byte, node.end_byte, b""))
    if grammar.docstrings:
        docstrings = _query(
            grammar.module,
            grammar.factory,
            "(expression_statement . [(string) (concatenated_string)] @d .)",
        )
        if docstrings is not None:
            for node in _captured(docstrings, tree.root_node):
                edits.append((node.start_byte, node.end_byte, b'""'))
    if not edits:
        return text
    return _apply(data, edits).decode("utf-8", "surrogatepass")


def _captured(query: Query, root: Node) -> list[Node]:
    captures = QueryCursor(query).captures(root)
    return [node for nodes in captures.values() for node in nodes]


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each edited span replaced (its line breaks kept), and the lines an edit
    touched stripped of trailing blanks, so that a line that held only a comment is empty.

    A span within a line, between two pieces of code (``a/* c */b``), becomes a space, so
    that the code around it does not run together."""
    ends = [m.end() for m in _BREAKS.finditer(data)]  # where each line but the first starts
    out: list[bytes] = []
    position = 0
    dirty: set[int] = set()
    for start, end, keep in sorted(edits):
        if start < position:  # inside a span already removed
            continue
        out.append(data[position:start])
        inner = [m.group(0) for m in _BREAKS.finditer(data, start, end)]
        if not keep and not inner and _code_at(data, start - 1) and _code_at(data, end):
            keep = b" "
        out.append(keep)
        out.extend(inner)
        position = end
        dirty.add(bisect.bisect_right(ends, start))
        dirty.add(bisect.bisect_right(ends, max(end - 1, start)))
    out.append(data[position:])
    result = b"".join(out)
    lines = _BREAKS.split(result)
    breaks = _BREAKS.findall(result)
    pieces: list[bytes] = []
    for index, line in enumerate(lines):
        pieces.append(line.rstrip(b" \t") if index in dirty else line)
        if index < len(breaks):
            pieces.append(breaks[index])
    return b"".join(pieces)


def _code_at(data: bytes, index: int) -> bool:
    return 0 <= index < len(data) and data[index : index + 1] not in (b" ", b"\t", b"\n", b"\r")


def _strip_hash_lines(text: str, markers: str) -> str:
    """Whole comment lines emptied; a line with code before a marker is left alone (the
    marker may be in a string or a URL). The shebang stays."""
    parts = _LINE_BREAKS.split(text)
    breaks = _LINE_BREAKS.findall(text)
    for index, line in enumerate(parts):
        stripped = line.lstrip()
        if stripped[:1] and stripped[0] in markers and not (index == 0 and stripped.startswith("#!")):
            parts[index] = ""
    out: list[str] = []
    for index, line in enumerate(parts):
        out.append(line)
        if index < len(breaks):
            out.append(breaks[index])
    return "".join(out)


def _strip_markup(text: str) -> str:
    """``<!-- -->`` comments removed, their line breaks kept."""

    def keep_breaks(match: re.Match[str]) -> str:
        return "".join(_LINE_BREAKS.findall(match.group(0)))

    return _MARKUP_COMMENT.sub(keep_breaks, text)
