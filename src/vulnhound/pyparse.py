"""Parsing Python source into the standard ``ast`` tree, whatever the host version.

All Python analyzers parse through :func:`parse_python`, so a newer-syntax fallback added
here serves every one of them.
"""

from __future__ import annotations

import ast
import re
import warnings

from vulnhound.findings import Location


class PythonSyntaxError(Exception):
    """The file is not valid Python of any supported version."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_python(text: str, filename: str = "<unknown>") -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in scanned code are not ours
            return ast.parse(text, filename=filename, type_comments=False)
    except SyntaxError as exc:
        fallback = _newer_syntax(text, filename)
        if fallback is not None:
            return fallback
        raise PythonSyntaxError(f"line {exc.lineno}: {exc.msg}", exc.lineno) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise PythonSyntaxError(f"cannot parse: {type(exc).__name__}: {exc}") from exc


def _newer_syntax(text: str, filename: str) -> ast.Module | None:
    """Syntax newer than the host's (3.12 f-strings, PEP 695) through tree-sitter; None if invalid."""
    try:
        from vulnhound.engine.tsconvert import parse_with_tree_sitter

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_with_tree_sitter(text, filename)
    except (ImportError, RecursionError, MemoryError, ValueError):
        return None


_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks `ast` counts (not str.splitlines's)


def char_column(line_text: str, byte_offset: int) -> int:
    """1-based character column of a UTF-8 byte offset into a line (``ast`` counts bytes)."""
    if line_text.isascii():
        return byte_offset + 1
    return len(line_text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


class LineIndex:
    """The source lines as ``ast`` numbers them, split only when a column needs converting."""

    __slots__ = ("_lines", "ascii", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()  # then byte offsets are character offsets: nothing to do
        self._lines: list[str] | None = None

    def line(self, number: int) -> str:
        if self._lines is None:
            self._lines = _NEWLINE.split(self.text)
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""

    def column(self, line: int, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset + 1
        return char_column(self.line(line), byte_offset)


def location_of(path: str, node: ast.AST, source: LineIndex | str | None = None) -> Location:
    """A :class:`Location` for a node: 1-based character columns, end column exclusive."""
    line = max(getattr(node, "lineno", 1), 1)
    start = getattr(node, "col_offset", 0) or 0
    end_line = max(getattr(node, "end_lineno", None) or line, line)
    end = getattr(node, "end_col_offset", None)
    index = LineIndex(source) if isinstance(source, str) else source
    if index is None or index.ascii:
        col = start + 1
        return Location(path, line, col, end_line, end + 1 if end is not None else col)
    col = index.column(line, start)
    end_col = index.column(end_line, end) if end is not None else col
    return Location(path, line, col, end_line, end_col)
