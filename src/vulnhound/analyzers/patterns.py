"""Data-driven call-pattern rules for Python (``rules/data/patterns-*.toml``).

For checks that need no data flow: a weak hash, disabled TLS verification, debug mode.
The callee is resolved through the file's imports, so ``from hashlib import md5 as h``
followed by ``h()`` matches ``hashlib.md5``.

Speed: every part of a resolved callee (``hashlib``, ``md5``) is written in the file, in the
call or in an import, and so are the keywords a rule needs given; a file lacking a rule's
words cannot match it. Files are parsed as before (a syntax error is still reported), but
the tree is walked only when some rule may match, and then only the rules that may.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.analyzers.pattern_sites import (
    MISSING,
    ModuleFacts,
    Site,
    dotted_name,
    live_sites,
    module_facts,
    qualify,
    snake,
    target_text,
)
from vulnhound.errors import RuleError
from vulnhound.findings import Confidence, Finding, Location
from vulnhound.pyparse import PythonSyntaxError, parse_python
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.rules.schema import ASSIGN_KEYS, MATCH_KEYS, table_regex
from vulnhound.sources import Skipped, SkipReason, SourceFile

NAME = "patterns"


_UNKNOWN: Any = object()  # an argument that may be given through *args or **kwargs

_MATCH_KEYS = MATCH_KEYS
_ASSIGN_KEYS = ASSIGN_KEYS


def _check_keys(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = set(table) - known
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _split_patterns(patterns: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Exact names, and the ".suffix" of each "*.suffix" pattern."""
    return (
        frozenset(p for p in patterns if not p.startswith("*.")),
        tuple(p[1:] for p in patterns if p.startswith("*.")),
    )


def _words(pattern: str) -> tuple[str, ...]:
    """The identifiers a name matching ``pattern`` is made of (those before any ``[key]``:
    a subscript key is a string, which escapes may spell differently)."""
    return tuple(p for p in pattern.split("[", 1)[0].split(".") if p and p != "*")


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_BEFORE_WORD = _WORD_CHARS - frozenset("0123456789")  # "1md5": left as possible


class _Words:
    """Whether an identifier may occur in a file's code. Never wrongly no: in ASCII text an
    identifier is a run of word characters; otherwise (``ast`` NFKC-normalises identifiers)
    a substring of the text or of its NFKC form counts."""

    __slots__ = ("_ascii", "_memo", "_normal", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._ascii = text.isascii()
        self._normal: str | None = None
        self._memo: dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        known = self._memo.get(word)
        if known is None:
            known = self._memo[word] = self._find(word)
        return known

    def _find(self, word: str) -> bool:
        if not (word.isascii() and word.isidentifier()):
            return True  # not a plain identifier: no cheap proof of absence
        text = self._text
        if not self._ascii:
            if word in text:
                return True
            if self._normal is None:
                self._normal = unicodedata.normalize("NFKC", text)
            return word in self._normal
        end = len(word)
        at = text.find(word)
        while at >= 0:
            if (at == 0 or text[at - 1] not in _BEFORE_WORD) and (
                at + end == len(text) or text[at + end] not in _WORD_CHARS
            ):
                return True
            at = text.find(word, at + 1)
        return False


def _true_or_unknown(value: Any) -> bool:
    return value is MISSING or bool(value)


def _same_literal(value: Any, expected: Any) -> bool:
    """Type-strict equality, except that an int stands for a flag (``DEBUG = 1``)."""
    if isinstance(expected, bool) and isinstance(value, int):
        return bool(value) == expected
    return type(value) is type(expected) and bool(value == expected)


@dataclass(frozen=True)
class _Names:
    """The names a value serves must include a security-looking one (``reset_token``)."""

    matching: re.Pattern[str]
    not_matching: re.Pattern[str] | None

    def accept(self, names: Sequence[str]) -> bool:
        return any(
            self.matching.search(n) and not (self.not_matching and self.not_matching.search(n)) for n in names
        )


@dataclass(frozen=True)
class _Context:
    """What the code around a value says it is for (an etag, a cache key, a password).

    The context names are the names the value serves, the enclosing functions and classes,
    and the identifiers in the call's arguments (``md5(password)``). ``served_not`` vetoes
    on a served name alone (``sha1().digest_size``: nothing is hashed); ``not_matching``
    vetoes on any context name unless one matches ``keep`` (``cache_password``)."""

    served_not: re.Pattern[str] | None
    not_matching: re.Pattern[str] | None
    keep: re.Pattern[str] | None

    def accept(self, call: ast.Call, names: Sequence[str], scope: str) -> bool:
        if self.served_not and any(self.served_not.search(n) for n in names):
            return False
        if self.not_matching is None:
            return True
        context = [*names, *(snake(p) for p in scope.split(".") if p), *_argument_names(call)]
        if not any(self.not_matching.search(n) for n in context):
            return True
        return self.keep is not None and any(self.keep.search(n) for n in context)


def _argument_names(call: ast.Call) -> list[str]:
    """Identifiers the arguments are made of: ``password`` in ``md5(password.encode())``."""
    found: list[str] = []
    pending: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    while pending and len(found) < 16:
        node = pending.pop()
        if isinstance(node, ast.Name):
            found.append(snake(node.id))
        elif isinstance(node, ast.Attribute):
            found.append(snake(node.attr))
            pending.append(node.value)
        elif isinstance(node, ast.Call):
            pending.extend(node.args)
            pending.append(node.func)
        elif isinstance(node, ast.BinOp | ast.JoinedStr | ast.FormattedValue | ast.Subscript):
            pending.extend(ast.iter_child_nodes(node))
    return found


@dataclass(frozen=True)
class _MadeBy:
    """An argument made by one of ``calls`` with each keyword of ``keyword_not_in`` missing or
    not one of its values: ``etree.XMLParser(remove_blank_text=True)`` resolving entities."""

    calls: frozenset[str]
    keyword_not_in: Mapping[str, Sequence[Any]]

    @classmethod
    def from_table(cls, table: Any, where: str) -> _MadeBy:
        if not isinstance(table, Mapping) or not isinstance(table.get("calls"), list) or not table["calls"]:
            raise RuleError(f"{where}: 'keyword_absent_or_made_by' values need a non-empty 'calls' list")
        _check_keys(table, frozenset({"calls", "keyword_not_in"}), f"{where}: keyword_absent_or_made_by")
        return cls(frozenset(str(c) for c in table["calls"]), dict(table.get("keyword_not_in", {})))

    def made(self, node: ast.expr, facts: ModuleFacts) -> bool:
        if not isinstance(node, ast.Call):
            return False
        name = dotted_name(node.func)
        if name is None or qualify(name, facts.aliases) not in self.calls:
            return False
        if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            return False  # **options may set any keyword: unprovable
        given = {k.arg: k.value for k in node.keywords}
        return all(
            name not in given or facts.value(given[name]) not in allowed
            for name, allowed in self.keyword_not_in.items()
        )


@dataclass(frozen=True)
class _Matcher:
    exact: frozenset[str]
    suffixes: tuple[str, ...]
    keyword_equals: Mapping[str, Any]
    keyword_absent: tuple[str, ...]
    keyword_not_in: Mapping[str, Sequence[Any]]
    keyword_not_true: tuple[str, ...]
    keyword_positions: Mapping[str, int]
    arg_in: Mapping[int, Sequence[Any]]
    arg_nonliteral: int | None
    arg_count_below: int | None
    min_args: int | None
    names: _Names | None
    context: _Context | None
    function_not_containing: tuple[str, ...]
    keyword_dict_equals: Mapping[str, Mapping[str, Any]]
    keyword_contains: Mapping[str, Sequence[Any]]
    receiver_bound_to: frozenset[str]
    made_by: Mapping[str, _MadeBy] = dataclasses.field(default_factory=dict)
    literal_use_arg: int | None = None
    # Words the file must contain for a call to match: all of ``keywords`` (given by name),
    # and all the words of at least one callee pattern.
    keywords: tuple[str, ...] = ()
    callees: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> _Matcher:
        calls = table.get("calls")
        if not isinstance(calls, list) or not calls:
            raise RuleError(f"{where}: each [[rule.match]] needs a non-empty 'calls' list")
        _check_keys(table, _MATCH_KEYS, f"{where}: [[rule.match]]")
        matching = table_regex(table, "assigned_to_name_matching", where)
        not_matching = table_regex(table, "assigned_to_name_not_matching", where)
        if not_matching and not matching:
            raise RuleError(f"{where}: 'assigned_to_name_not_matching' needs 'assigned_to_name_matching'")
        exact, suffixes = _split_patterns(calls)
        served_not = table_regex(table, "served_name_not_matching", where)
        context_not = table_regex(table, "context_not_matching", where)
        keep = table_regex(table, "context_keep_matching", where)
        if keep and not context_not:
            raise RuleError(f"{where}: 'context_keep_matching' needs 'context_not_matching'")
        return cls(
            exact=exact,
            suffixes=suffixes,
            keyword_equals=dict(table.get("keyword_equals", {})),
            keyword_absent=tuple(table.get("keyword_absent", ())),
            keyword_not_in=dict(table.get("keyword_not_in", {})),
            keyword_not_true=tuple(table.get("keyword_not_true", ())),
            keyword_positions={str(k): int(v) for k, v in dict(table.get("keyword_positions", {})).items()},
            arg_in={int(k): v for k, v in dict(table.get("arg_in", {})).items()},
            arg_nonliteral=table.get("arg_nonliteral"),
            arg_count_below=table.get("arg_count_below"),
            min_args=table.get("min_args"),
            names=_Names(matching, not_matching) if matching else None,
            context=_Context(served_not, context_not, keep) if served_not or context_not else None,
            function_not_containing=tuple(str(t) for t in table.get("function_not_containing", ())),
            keyword_dict_equals={
                str(k): dict(v) for k, v in dict(table.get("keyword_dict_equals", {})).items()
            },
            keyword_contains={str(k): list(v) for k, v in dict(table.get("keyword_contains", {})).items()},
            receiver_bound_to=frozenset(str(c) for c in table.get("receiver_bound_to", ())),
            made_by={
                str(k): _MadeBy.from_table(v, where)
                for k, v in dict(table.get("keyword_absent_or_made_by", {})).items()
            },
            literal_use_arg=table.get("not_only_used_with_literal_arg"),
            keywords=tuple(
                str(k)
                for k in dict(table.get("keyword_equals", {}))
                if k not in table.get("keyword_positions", {})
            ),
            callees=tuple(_words(p) for p in calls),
        )

    def possible(self, words: _Words) -> bool:
        """The file contains the words any call this matches must be written with."""
        return all(k in words for k in self.keywords) and any(
            all(w in words for w in callee) for callee in self.callees
        )

    def _argument(self, call: ast.Call, name: str) -> Any:
        """The argument bound to parameter ``name``; None when surely absent, _UNKNOWN when unprovable."""
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        position = self.keyword_positions.get(name)
        if position is not None:
            for index, arg in enumerate(call.args[: position + 1]):
                if isinstance(arg, ast.Starred):
                    return _UNKNOWN
                if index == position:
                    return arg
        if any(k.arg is None for k in call.keywords):
            return _UNKNOWN  # **kwargs may well set it
        return None

    @property
    def wants_names(self) -> bool:
        return self.names is not None or self.context is not None

    def matches(self, call: ast.Call, facts: ModuleFacts, names: Sequence[str] = ()) -> bool:
        """All conditions on the call itself hold (the callee is checked by the caller; the
        conditions on the code around it by :meth:`surroundings`)."""
        for name, expected in self.keyword_equals.items():
            arg = self._argument(call, name)
            if not isinstance(arg, ast.expr) or facts.value(arg) != expected:
                return False
        if any(self._argument(call, name) is not None for name in self.keyword_absent):
            return False
        for name, allowed in self.keyword_not_in.items():
            arg = self._argument(call, name)
            if arg is _UNKNOWN or (isinstance(arg, ast.expr) and facts.value(arg) in allowed):
                return False
        for name in self.keyword_not_true:  # absent, or a literal that is false
            arg = self._argument(call, name)
            if arg is _UNKNOWN or (isinstance(arg, ast.expr) and _true_or_unknown(facts.literal(arg))):
                return False
        for index, allowed in self.arg_in.items():
            if index >= len(call.args) or facts.value(call.args[index]) not in allowed:
                return False
        position = self.arg_nonliteral
        if position is not None and (
            position >= len(call.args)
            or isinstance(call.args[position], ast.Starred)
            or facts.literal(call.args[position]) is not MISSING
        ):
            return False
        if self.arg_count_below is not None and len(call.args) >= self.arg_count_below:
            return False
        if self.min_args is not None and len(call.args) + len(call.keywords) < self.min_args:
            return False
        for name, entries in self.keyword_dict_equals.items():
            arg = self._argument(call, name)
            if not isinstance(arg, ast.Dict) or not _dict_has(arg, entries, facts):
                return False
        for name, values in self.keyword_contains.items():
            arg = self._argument(call, name)
            if not isinstance(arg, ast.List | ast.Tuple | ast.Set):
                return False
            if not any(_same_in(facts.literal(e), values) for e in arg.elts):
                return False
        return self.names is None or self.names.accept(names)

    def surroundings(self, site: Site, where: _File) -> bool:
        """The conditions on what is around the call hold: what it serves, where it is."""
        call = site.node
        assert isinstance(call, ast.Call)
        if self.context is not None and not self.context.accept(call, site.names, site.scope):
            return False
        if self.function_not_containing:
            text = where.function_text(call.lineno)
            if any(t in text for t in self.function_not_containing):
                return False
        for name, made_by in self.made_by.items():
            arg = self._argument(call, name)
            if isinstance(arg, ast.Constant) and arg.value is None:
                continue  # parser=None: the default, as when absent
            if arg is _UNKNOWN or (arg is not None and not where.made_by(arg, call.lineno, made_by)):
                return False
        if self.literal_use_arg is not None and where.only_used_with_literal(call, self.literal_use_arg):
            return False
        return not self.receiver_bound_to or where.receiver_in(call, self.receiver_bound_to)


def _same_in(value: Any, values: Sequence[Any]) -> bool:
    return value is not MISSING and any(_same_literal(value, v) for v in values)


def _dict_has(node: ast.Dict, entries: Mapping[str, Any], facts: ModuleFacts) -> bool:
    """A dict literal maps each key of ``entries`` to its literal value (a ``**`` part: unknown)."""
    if any(k is None for k in node.keys):
        return False
    given = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)}
    return all(k in given and _same_in(facts.literal(given[k]), [v]) for k, v in entries.items())


class _File:
    """Facts about the scanned file that only some rules need, computed on first use."""

    def __init__(self, text: str, tree: ast.Module, facts: ModuleFacts) -> None:
        self._text = text
        self._tree = tree
        self._facts = facts
        self._defs: list[tuple[int, int]] | None = None
        self._bindings: dict[str, set[str]] | None = None
        self._functions: list[ast.FunctionDef | ast.AsyncFunctionDef] | None = None
        self._parents: dict[ast.AST, ast.AST] | None = None

    def function_text(self, line: int) -> str:
        """The source of the innermost function around ``line`` (the module outside any)."""
        if self._defs is None:
            self._defs = sorted(
                (n.lineno, n.end_lineno or n.lineno)
                for n in ast.walk(self._tree)
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        around = [(s, e) for s, e in self._defs if s <= line <= e]
        if not around:
            return self._text
        start, end = max(around)  # the latest start holding the line is the innermost
        return "\n".join(self._text.splitlines()[start - 1 : end])

    def _function(self, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost function around ``line``, or None at module level."""
        if self._functions is None:
            self._functions = [
                n for n in ast.walk(self._tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
        around = [f for f in self._functions if f.lineno <= line <= (f.end_lineno or f.lineno)]
        return max(around, key=lambda f: f.lineno) if around else None

    def _parent_of(self, node: ast.AST) -> ast.AST | None:
        if self._parents is None:
            self._parents = {}
            stack: list[ast.AST] = [self._tree]
            while stack:  # iterative: scanned code may nest deeper than the recursion limit
                parent = stack.pop()
                for child in ast.iter_child_nodes(parent):
                    self._parents[child] = parent
                    stack.append(child)
        return self._parents.get(node)

    def assigned(self, name: str, line: int) -> list[ast.expr]:
        """The values ``name`` is assigned in the function around ``line`` or, when it is not
        bound there, at module level (outside functions and classes). A parameter: none known."""
        function = self._function(line)
        if function is not None:
            arguments = function.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            if any(a.arg == name for a in every):
                return []
            values = _assignments(ast.walk(function), name)
            if values:
                return values
        statements: list[ast.AST] = list(self._tree.body)
        found: list[ast.AST] = []
        while statements:
            stmt = statements.pop()
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            found.append(stmt)
            for field in ("body", "orelse", "finalbody", "handlers"):
                statements.extend(getattr(stmt, field, None) or ())
        return _assignments(found, name)

    def made_by(self, arg: ast.expr, line: int, made_by: _MadeBy) -> bool:
        """``arg`` is made by ``made_by``'s calls, inline or through a name bound from one."""
        if isinstance(arg, ast.Name):
            return any(made_by.made(v, self._facts) for v in self.assigned(arg.id, line))
        return made_by.made(arg, self._facts)

    def _user(self, node: ast.AST) -> ast.Call | None:
        """The call ``node`` is an argument of (positional or keyword), if it is one."""
        parent = self._parent_of(node)
        if isinstance(parent, ast.keyword):
            parent = self._parent_of(parent)
        if isinstance(parent, ast.Call) and parent.func is not node:
            return parent
        return None

    def _literal_arg(self, call: ast.Call | None, position: int) -> bool:
        if call is None or position >= len(call.args) or isinstance(call.args[position], ast.Starred):
            return False
        return self._facts.literal(call.args[position]) is not MISSING

    def only_used_with_literal(self, call: ast.Call, position: int) -> bool:
        """Every use of the call's result, inline or through the one name it is assigned to, is
        as an argument of a call whose positional argument ``position`` is a literal (or a
        module constant): a parser that only ever parses a bundled document."""
        user = self._user(call)
        if user is not None:
            return self._literal_arg(user, position)
        parent = self._parent_of(call)
        if not (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            return False
        name = parent.targets[0].id
        scope: ast.AST = self._function(call.lineno) or self._tree
        uses = [
            n
            for n in ast.walk(scope)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        ]
        return bool(uses) and all(self._literal_arg(self._user(u), position) for u in uses)

    def receiver_in(self, call: ast.Call, callees: frozenset[str]) -> bool:
        """The method's receiver is made by one of ``callees``: ``tarfile.open(p).extractall()``,
        or a name bound anywhere in the file from such a call (``with tarfile.open(p) as t``)
        or annotated with such a type."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        if isinstance(receiver, ast.Call):
            return self._made_by(receiver.func) in callees
        if not isinstance(receiver, ast.Name):
            return False
        return bool(self.bindings().get(receiver.id, set()) & callees)

    def _made_by(self, node: ast.expr) -> str:
        name = dotted_name(node)
        return qualify(name, self._facts.aliases) if name else ""

    def bindings(self) -> dict[str, set[str]]:
        """Local name -> the callees (or annotations) it is bound from, anywhere in the file."""
        if self._bindings is None:
            found: dict[str, set[str]] = {}
            for node in ast.walk(self._tree):
                pairs: list[tuple[ast.expr, ast.expr | None]] = []
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    pairs = [(t, node.value.func) for t in node.targets]
                elif isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
                    if node.optional_vars is not None:
                        pairs = [(node.optional_vars, node.context_expr.func)]
                elif isinstance(node, ast.arg) and node.annotation is not None:
                    pairs = [(ast.Name(node.arg), node.annotation)]
                elif isinstance(node, ast.AnnAssign):
                    pairs = [(node.target, node.annotation)]
                for target, made in pairs:
                    if isinstance(target, ast.Name) and made is not None:
                        found.setdefault(target.id, set()).add(self._made_by(made))
            self._bindings = found
        return self._bindings


def _assignments(nodes: Iterable[ast.AST], name: str) -> list[ast.expr]:
    """The values assigned to the plain name ``name`` by the assignments among ``nodes``."""
    values: list[ast.expr] = []
    for node in nodes:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            values.append(value)
    return values


@dataclass(frozen=True)
class _Assign:
    """An assignment of a literal: ``DEBUG = True`` in a settings module, ``app.debug = True``."""

    exact: frozenset[str]
    suffixes: tuple[str, ...]
    value: Any
    path_matching: re.Pattern[str] | None
    path_not_matching: re.Pattern[str] | None
    toplevel: bool
    target_not_matching: re.Pattern[str] | None = None
    words: tuple[tuple[str, ...], ...] = ()  # one pattern's words must all be in the file

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> _Assign:
        targets = table.get("targets")
        if not isinstance(targets, list) or not targets or "value" not in table:
            raise RuleError(f"{where}: each [[rule.assign]] needs a non-empty 'targets' list and a 'value'")
        _check_keys(table, _ASSIGN_KEYS, f"{where}: [[rule.assign]]")
        exact, suffixes = _split_patterns(targets)
        return cls(
            exact,
            suffixes,
            table["value"],
            table_regex(table, "path_matching", where),
            table_regex(table, "path_not_matching", where),
            bool(table.get("toplevel", False)),
            table_regex(table, "target_not_matching", where),
            tuple(_words(str(t)) for t in targets),
        )

    def possible(self, path: str, words: _Words) -> bool:
        return self.applies_to(path) and any(all(w in words for w in target) for target in self.words)

    def applies_to(self, path: str) -> bool:
        if self.path_matching and not self.path_matching.search(path):
            return False
        return not (self.path_not_matching and self.path_not_matching.search(path))

    def target(self, site: Site, facts: ModuleFacts) -> str | None:
        """The matched target's text, or None."""
        node = site.node
        if isinstance(node, ast.Call) or node.value is None or (self.toplevel and not site.toplevel):
            return None
        value = facts.literal(node.value)
        if value is MISSING and isinstance(self.value, str):
            value = facts.value(node.value)  # a qualified name: verify_mode = ssl.CERT_NONE
        if not _same_literal(value, self.value):
            return None
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            text = target_text(target)
            if not text or (self.target_not_matching and self.target_not_matching.search(text)):
                continue
            if text in self.exact or text.endswith(self.suffixes):
                return text
        return None


@dataclass(frozen=True)
class _Rule:
    info: RuleInfo
    matchers: tuple[_Matcher, ...]
    assigns: tuple[_Assign, ...] = ()


def compile_rules(rules: Sequence[RuleInfo]) -> list[_Rule]:
    compiled = []
    for info in rules:
        where = f"{info.origin}: rule '{info.id}'"
        tables = info.data.get("match", [])
        assigns = info.data.get("assign", [])
        if not isinstance(tables, list) or not isinstance(assigns, list) or not (tables or assigns):
            raise RuleError(f"{where}: a patterns rule needs a [[rule.match]] or [[rule.assign]] table")
        guarded = info.data.get("conditional_confidence")
        if guarded is not None and guarded not in {c.value for c in Confidence}:
            raise RuleError(f"{where}: unknown conditional_confidence {guarded!r}")
        compiled.append(
            _Rule(
                info,
                tuple(_Matcher.from_table(t, where) for t in tables),
                tuple(_Assign.from_table(t, where) for t in assigns),
            )
        )
    return compiled


# A callee pattern as looked up by a callee's last part: (pattern, is "*." suffix, rule, matcher).
_Entry = tuple[str, bool, _Rule, _Matcher]


@dataclass(frozen=True)
class _Plan:
    """For one file, the rules that may match it, with calls indexed by their last part."""

    calls: Mapping[str, Sequence[_Entry]]
    assigns: Sequence[tuple[_Rule, _Assign]]
    names: bool  # some rule asks for the names a value serves

    @classmethod
    def build(cls, rules: Sequence[_Rule], path: str, words: _Words) -> _Plan:
        calls: dict[str, list[_Entry]] = {}
        names = False
        for rule in rules:
            for matcher in rule.matchers:
                if not matcher.possible(words):
                    continue
                names = names or matcher.wants_names
                for name in matcher.exact:
                    calls.setdefault(name.rpartition(".")[2], []).append((name, False, rule, matcher))
                for suffix in matcher.suffixes:
                    calls.setdefault(suffix.rpartition(".")[2], []).append((suffix, True, rule, matcher))
        assigns = [(r, a) for r in rules for a in r.assigns if a.possible(path, words)]
        return cls(calls, assigns, names)

    def candidates(
        self, call: ast.Call, aliases: Mapping[str, str]
    ) -> tuple[str, list[tuple[_Rule, _Matcher]]]:
        """The callee's qualified name and the matchers naming it (no name: not a dotted callee)."""
        func = call.func
        if type(func) is ast.Attribute:
            last = func.attr
        elif type(func) is ast.Name:
            last = aliases.get(func.id, func.id).rpartition(".")[2]
        else:
            return "", []  # dotted_name is None: a call of a call or subscript
        entries = self.calls.get(last)
        if not entries:
            return "", []
        name = dotted_name(func)
        assert name is not None
        qualified = qualify(name, aliases)
        found = [
            (r, m) for p, suffix, r, m in entries if (qualified.endswith(p) if suffix else qualified == p)
        ]
        return qualified, found


class PatternAnalyzer:
    """Matches calls against the data-driven rules of the ``patterns`` analyzer."""

    per_file = True  # one file at a time: the runner holds each to per_file_timeout
    cache_scope = "file"  # a file's findings depend on that file alone (vulnhound.resultcache)

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset({"python"})

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        rules = compile_rules(self.rules(context.rules))
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        for source in files:
            try:
                tree = parse_python(source.text, source.path)
            except PythonSyntaxError as exc:
                skipped.append(Skipped(source.path, SkipReason.SYNTAX_ERROR, str(exc), NAME))
                context.progress(1)
                continue
            findings.extend(self._scan_tree(source, tree, rules))
            context.progress(1)
        return AnalyzerOutput(tuple(findings), tuple(skipped))

    def _scan_tree(self, source: SourceFile, tree: ast.Module, rules: Sequence[_Rule]) -> list[Finding]:
        plan = _Plan.build(rules, source.path, _Words(source.text))
        if not plan.calls and not plan.assigns:
            return []
        facts = module_facts(tree)
        where = _File(source.text, tree, facts)
        found: list[Finding] = []
        for site in live_sites(tree, facts, names=plan.names):
            node = site.node
            if type(node) is not ast.Call:
                for rule, assign in plan.assigns:
                    target = assign.target(site, facts)
                    if target is not None:
                        found.append(self._finding(source, site, rule.info, f"assignment to {target}"))
                continue
            qualified, candidates = plan.candidates(node, facts.aliases)
            reported: set[str] = set()
            for rule, matcher in candidates:
                if (
                    rule.info.id not in reported
                    and matcher.matches(node, facts, site.names)
                    and matcher.surroundings(site, where)
                ):
                    reported.add(rule.info.id)
                    found.append(self._finding(source, site, rule.info, f"call to {qualified}"))
        found.sort(key=lambda f: (f.location.start_line, f.location.start_column, f.rule_id))
        return found

    def _finding(self, source: SourceFile, site: Site, info: RuleInfo, what: str) -> Finding:
        node = site.node
        location = Location(
            source.path,
            node.lineno,
            node.col_offset + 1,
            node.end_lineno or node.lineno,
            (node.end_col_offset or node.col_offset) + 1,
        )
        confidence = info.confidence
        guarded = info.data.get("conditional_confidence")
        if site.guarded and guarded is not None:
            confidence = Confidence(guarded)
        return Finding(
            rule_id=info.id,
            cwe=info.cwe,
            severity=info.severity,
            confidence=confidence,
            message=f"{info.short_description} ({what})",
            location=location,
            analyzers=(NAME,),
            context=site.scope,
        )
