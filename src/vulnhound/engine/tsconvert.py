"""Newer-syntax fallback: parse with tree-sitter, lower to source the host ``ast`` accepts.

When the host interpreter cannot parse a file (3.12 f-strings with nested quotes, ``type``
aliases and PEP 695 generics on 3.11), tree-sitter-python parses it; if its tree has no ERROR or
MISSING node, the newer forms are rewritten into equivalent older ones *in place* (f-strings to
``format()`` concatenations, ``type X = v`` to ``X = v``, type parameter lists blanked) and the
result is parsed by ``ast``. Rewrites keep every line break, so line numbers stay exact; columns
may shift only inside a rewritten f-string.
"""

from __future__ import annotations

import ast
from functools import cache
from typing import Any


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_python

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


class _Lowerer:
    def __init__(self, source: bytes) -> None:
        self.src = source

    def text(self, node: Any) -> bytes:
        return bytes(self.src[node.start_byte : node.end_byte])

    def emit(self, node: Any) -> bytes:
        kind = node.type
        if kind == "string" and self._is_fstring(node):
            return self._fstring(node)
        if kind == "type_alias_statement":
            return self._type_alias(node)
        if (
            kind == "type_parameter"
            and node.parent is not None
            and node.parent.type
            in (
                "function_definition",
                "class_definition",
            )
        ):
            return bytes(b if b in b"\r\n" else 32 for b in self.text(node))
        return self._splice(node)

    def _splice(self, node: Any) -> bytes:
        out = bytearray()
        pos = node.start_byte
        for child in node.children:
            out += self.src[pos : child.start_byte]
            out += self.emit(child)
            pos = child.end_byte
        out += self.src[pos : node.end_byte]
        return bytes(out)

    def _is_fstring(self, node: Any) -> bool:
        start = node.children[0] if node.children else None
        return start is not None and start.type == "string_start" and b"f" in self.text(start).lower()

    def _fstring(self, node: Any) -> bytes:
        start = self.text(node.children[0])
        prefix = bytes(c for c in start if chr(c).isalpha() and chr(c) not in "fF")
        quote = start.lstrip(b"rRbBuUfF")
        parts: list[bytes] = []
        for child in node.children[1:-1]:
            if child.type == "interpolation":
                parts.append(self._interpolation(child))
            else:
                literal = self.text(child).replace(b"{{", b"{").replace(b"}}", b"}")
                parts.append(prefix + quote + literal + quote)
        if not parts:
            return prefix + quote + quote
        return b"(" + b" + ".join(parts) + b")"

    def _interpolation(self, node: Any) -> bytes:
        expression = next(
            (
                c
                for c in node.children
                if c.type not in ("{", "}", "=", "type_conversion", "format_specifier")
            ),
            None,
        )
        if expression is None:
            return b"''"
        inner = self.emit(expression)
        conversion = next((c for c in node.children if c.type == "type_conversion"), None)
        if conversion is not None and self.text(conversion) == b"!r":
            return b"repr(" + inner + b")"
        return b"format(" + inner + b")"

    def _type_alias(self, node: Any) -> bytes:
        named = [c for c in node.children if c.type == "type" and c.children]
        if len(named) < 2:
            return b"pass"
        name = named[0]
        ident = name if name.type == "identifier" else _first(name, "identifier")
        head = self.text(ident) if ident is not None else b"_"
        return head + b" = " + self.emit(named[1])


def _first(node: Any, kind: str) -> Any:
    for child in node.children:
        if child.type == kind:
            return child
        found = _first(child, kind)
        if found is not None:
            return found
    return None


def parse_with_tree_sitter(text: str, filename: str) -> ast.Module | None:
    """The module as ``ast``, or None when tree-sitter also finds an error."""
    source = text.encode("utf-8")
    tree = _parser().parse(source)
    if tree.root_node.has_error:
        return None
    lowered = _Lowerer(source).emit(tree.root_node)
    try:
        return ast.parse(lowered.decode("utf-8"), filename=filename)
    except (SyntaxError, ValueError):
        return None
