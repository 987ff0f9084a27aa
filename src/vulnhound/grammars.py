"""Tree-sitter grammars from their PyPI wheels, loaded once, and parsers, one per thread.

Code units for models and comment stripping both parse with the same grammars; a grammar whose
wheel is missing, or that this tree_sitter cannot load, is simply not there (None).
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import import_module

from tree_sitter import Language, Parser

_local = threading.local()


@cache
def language(module: str, factory: str) -> Language | None:
    """``module.factory()`` as a Language (``tree_sitter_python``, ``language``)."""
    try:
        return Language(getattr(import_module(module), factory)())
    except Exception:  # no grammar wheel, or one this tree_sitter cannot load
        return None


def parser(module: str, factory: str) -> Parser | None:
    """This thread's parser for the grammar: parsers are not thread safe."""
    lang = language(module, factory)
    if lang is None:
        return None
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    key = f"{module}:{factory}"
    if key not in parsers:
        parsers[key] = Parser(lang)
    return parsers[key]


__all__ = ["language", "parser"]
