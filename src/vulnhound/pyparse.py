"""Parsing Python source into the standard ``ast`` tree, whatever the host version.

All Python analyzers parse through :func:`parse_python`, so a newer-syntax fallback added
here serves every one of them.
"""

from __future__ import annotations

import ast
import warnings


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
