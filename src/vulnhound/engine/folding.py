"""Constant folding: the value of arithmetic, string operations and subscripts on known constants.

Conditions such as ``if (7 * 42) - num > 200`` or ``match "ABC"[1]`` decide which branch runs, so
a flow that only the dead branch carries is not reported. Only immutable values are folded, and
sizes are capped so that scanned code cannot make the analysis build huge strings or numbers.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from vulnhound.engine.taint import NOCONST

_MAX_LEN = 10_000  # longest string, bytes or tuple a fold may build
_MAX_INT_BITS = 256

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}  # fmt: skip

# methods of str/bytes whose result depends only on the receiver and constant arguments
_STR_METHODS = frozenset(
    {
        "replace", "upper", "lower", "strip", "lstrip", "rstrip", "capitalize", "title", "swapcase",
        "casefold", "startswith", "endswith", "find", "rfind", "count", "removeprefix", "removesuffix",
        "isdigit", "isalpha", "isalnum", "isupper", "islower", "split", "rsplit", "join", "center",
        "ljust", "rjust", "zfill", "encode", "decode", "index", "partition", "rpartition",
    }
)  # fmt: skip
_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "str": str, "int": int, "abs": abs, "bool": bool, "min": min, "max": max, "ord": ord, "chr": chr,
}  # fmt: skip
_IMMUTABLE = (str, bytes, int, float, bool, type(None), tuple)


def small(value: object) -> bool:
    """An immutable value small enough to keep as a known constant."""
    if isinstance(value, bool | float | type(None)):
        return True
    if isinstance(value, int):
        return value.bit_length() <= _MAX_INT_BITS
    if isinstance(value, str | bytes):
        return len(value) <= _MAX_LEN
    if isinstance(value, tuple):
        return len(value) <= _MAX_LEN and all(small(v) for v in value)
    return False


def _size_ok(op: type, left: object, right: object) -> bool:
    """Refuse operations whose result would be huge before computing them."""
    if op is ast.Mult:
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | tuple) and isinstance(n, int):
                return len(seq) * max(n, 0) <= _MAX_LEN
    if op is ast.Pow and isinstance(right, int | float):
        return abs(right) <= 64 and (
            not isinstance(left, int) or left.bit_length() * max(int(right), 1) <= 4096
        )
    if op is ast.LShift and isinstance(right, int):
        return right <= _MAX_INT_BITS
    return True


def binop(op: ast.operator, left: object, right: object) -> object:
    fn = _BINOPS.get(type(op))
    if fn is None or left is NOCONST or right is NOCONST:
        return NOCONST
    if not isinstance(left, _IMMUTABLE) or not isinstance(right, _IMMUTABLE):
        return NOCONST
    if isinstance(op, ast.Mod) and isinstance(left, str | bytes):
        return NOCONST  # %-formatting: left to the string-building code
    if not _size_ok(type(op), left, right):
        return NOCONST
    try:
        value = fn(left, right)
    except (ArithmeticError, TypeError, ValueError):
        return NOCONST
    return value if small(value) else NOCONST


def subscript(container: object, index: object) -> object:
    if not isinstance(container, str | bytes | tuple) or not isinstance(index, int):
        return NOCONST
    try:
        value = container[index]
    except IndexError:
        return NOCONST
    return value if small(value) else NOCONST


def method(receiver: object, name: str, args: list[object]) -> object:
    if not isinstance(receiver, str | bytes) or name not in _STR_METHODS or NOCONST in args:
        return NOCONST
    if name in ("center", "ljust", "rjust", "zfill") and not all(
        not isinstance(a, int) or a <= _MAX_LEN for a in args
    ):
        return NOCONST
    try:
        value = getattr(receiver, name)(*args)
    except (TypeError, ValueError, LookupError):
        return NOCONST
    if isinstance(value, list):
        value = tuple(value)
    return value if small(value) else NOCONST


def builtin(name: str, args: list[object]) -> object:
    fn = _BUILTINS.get(name)
    if fn is None or NOCONST in args or not all(isinstance(a, _IMMUTABLE) for a in args):
        return NOCONST
    if name == "str" and args and not isinstance(args[0], str | int | float | bool):
        return NOCONST
    try:
        value = fn(*args)
    except (TypeError, ValueError, OverflowError):
        return NOCONST
    return value if small(value) else NOCONST


__all__ = ["binop", "builtin", "method", "small", "subscript"]
