"""Detection data of the engine, read from rule files.

Sinks belong to rules (``[[rule.sink]]``). Sources, sanitizers, propagators and guards apply to
every rule, so they are top-level arrays (``[[source]]``, ``[[sanitizer]]``, ``[[propagator]]``,
``[[guard]]``) of any rule file, builtin or named in ``rule_files``; they may also be nested in
an engine rule (``[[rule.source]]`` ...), which lets a user file hold everything in one rule.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vulnhound.engine.taint import EMBED
from vulnhound.errors import RuleError
from vulnhound.findings import Confidence, Severity
from vulnhound.rules.catalog import RuleInfo, builtin_documents
from vulnhound.rules.schema import table_regex

ALL = "*"  # a sanitizer or guard that clears every sink kind


class _Names:
    """Exact qualified names plus ``*.suffix`` patterns."""

    __slots__ = ("_cache", "exact", "excluded", "suffixes")

    def __init__(self, names: Iterable[str], excluded: Iterable[str] = ()) -> None:
        names = list(names)
        self.exact = frozenset(n for n in names if not n.startswith("*."))
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))
        self.excluded = frozenset(excluded)
        self._cache: dict[str, bool] = {}  # the same few thousand names are asked again and again

    def match(self, qualified: str) -> bool:
        found = self._cache.get(qualified)
        if found is None:
            found = qualified not in self.excluded and (
                qualified in self.exact or qualified.endswith(self.suffixes)
            )
            self._cache[qualified] = found
        return found


@dataclass(frozen=True)
class SinkSpec:
    rule: RuleInfo
    kind: str
    calls: _Names
    args: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()
    receiver: bool = False
    # only a sink when these keywords are given with these constant values (shell=True)
    when_keyword: Mapping[str, Any] = field(default_factory=dict)
    # only a sink when a keyword is NOT given with one of these values
    unless_keyword: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    # the program of an argv list: element 0 of a list/tuple, or the whole string
    program: bool = False
    # the command string after "-c" in an argv list whose program is a shell (["sh", "-c", cmd])
    shell_command: bool = False
    not_dict: bool = False  # a dict argument is not a sink (Tornado's write() sends it as JSON)
    # safe when the parser argument (position or keyword) is a parser tagged safe
    parser_arg: int | None = None
    parser_keyword: str = ""
    store: _Names | None = None  # subscript stores: session[k] = v
    route_return: bool = False  # the return value of a route handler (response body)
    cwe: tuple[str, ...] = ()
    label: str = ""
    min_args: int = 0  # e.g. redirect needs an argument
    # source kinds this sink accepts (a rule's `sources`); empty: every kind not exclusive
    sources: frozenset[str] = frozenset()
    # the sink is a string template holding HTML markup that a value is formatted into
    html_template: bool = False
    # the sink is a string template whose constant text matches this pattern (a protocol line
    # ending in CRLF) that a value is embedded into
    text_template: re.Pattern[str] | None = None
    # the sink is the count of a repeated sequence (`b"x" * n`, `[0] * n`)
    repeat: bool = False
    # a mark the label must carry to count here ("numeric": converted to a number)
    requires: str = ""


@dataclass(frozen=True)
class SanitizerSpec:
    calls: _Names
    clears: frozenset[str]


@dataclass(frozen=True)
class GuardSpec:
    calls: _Names
    arg: int
    clears: frozenset[str]  # sink kinds, and "~kind" for partial checks (see taint.partial)
    keyword: str = ""  # the same argument passed by keyword (url=...)
    falsy_attrs: frozenset[str] = frozenset()  # `if call(x).netloc: abort()`: x checked when empty
    compare: bool = False  # `call([base, x]) == base`: x checked when equal


@dataclass(frozen=True)
class ParameterSourceSpec:
    """Parameters of library functions that, by their name, carry outside data.

    ``kinds``: sink kinds the value reaches as it is; ``embedded``: sink kinds it reaches only once
    it is embedded in other text or joined under a base (``os.path.join(base, name)``,
    ``"ls " + arg``): passed whole, such a parameter is the caller's choice (``open(path)``).
    """

    names: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    kinds: frozenset[str]
    embedded: frozenset[str]
    cap: Confidence

    def match(self, name: str) -> bool:
        name = name.lower().lstrip("_")
        return name in self.names or name.startswith(self.prefixes) or name.endswith(self.suffixes)


@dataclass
class EngineSpec:
    sinks: list[SinkSpec] = field(default_factory=list)
    source_names: dict[str, tuple[str, Confidence]] = field(default_factory=dict)  # name -> (kind, cap)
    source_suffixes: list[tuple[str, str, Confidence]] = field(default_factory=list)
    request_objects: set[str] = field(default_factory=set)  # qualified names of request objects
    request_attributes: set[str] = field(default_factory=set)
    request_param_names: set[str] = field(default_factory=set)
    request_annotations: set[str] = field(default_factory=set)
    source_methods: dict[str, str] = field(default_factory=dict)  # any receiver: recv -> kind
    sanitizers: list[SanitizerSpec] = field(default_factory=list)
    sanitizer_methods: dict[str, frozenset[str]] = field(default_factory=dict)
    # a method sanitizes only when called with at least this many arguments (`stmt.values(**row)`
    # binds parameters; `row.values()` is a dict view)
    sanitizer_method_min_args: dict[str, int] = field(default_factory=dict)
    guards: list[GuardSpec] = field(default_factory=list)
    guard_methods: dict[str, frozenset[str]] = field(default_factory=dict)
    # methods that raise when the check fails (`p.relative_to(base)`): as a statement, they
    # validate their receiver for what follows
    raising_methods: dict[str, frozenset[str]] = field(default_factory=dict)
    propagators: _Names = field(default_factory=lambda: _Names(()))
    cleaners: _Names = field(default_factory=lambda: _Names(()))
    terminators: _Names = field(default_factory=lambda: _Names(()))
    route_decorators: _Names = field(default_factory=lambda: _Names(()))
    # decorators that mark a Django-style view (its parameters after `request` come from the URL)
    view_decorators: _Names = field(default_factory=lambda: _Names(()))
    url_functions: frozenset[str] = frozenset()  # path()/re_path(): argument 1 is a view
    # framework classes whose subclasses' get/post/... methods are request handlers (Tornado)
    handler_classes: frozenset[str] = frozenset()
    # qualified request types: an uncalled function with a parameter of this type is an entry point
    request_types: frozenset[str] = frozenset()
    # request attributes whose constant keys are tainted only when listed (META: HTTP_* ...)
    keyed_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clean_annotations: set[str] = field(default_factory=set)
    xml_parsers: _Names = field(default_factory=lambda: _Names(()))
    parameter_sources: list[ParameterSourceSpec] = field(default_factory=list)
    joiners: _Names = field(default_factory=lambda: _Names(()))  # path joins: later parts go under the first
    # quote character -> sink kinds a value without it is safe for inside a literal it opens
    quote_checks: dict[str, frozenset[str]] = field(default_factory=dict)
    # text -> sink kinds a value checked not to contain it is safe for anywhere (CR, LF: header lines)
    absent_checks: dict[str, frozenset[str]] = field(default_factory=dict)
    # source kinds reported only by rules that name them in `sources` (weak random values)
    exclusive_sources: frozenset[str] = frozenset()
    # factory functions and the type of what they return (re.compile -> re.Pattern), so that
    # methods of the result are named by that type
    returns: dict[str, str] = field(default_factory=dict)
    # objects storing values under key paths through set(*keys, value) / get(*keys) (configparser)
    keyed_stores: frozenset[str] = frozenset()
    # template constructors whose templates escape HTML when built with a truthy `autoescape`
    autoescape_templates: _Names = field(default_factory=lambda: _Names(()))

    def accepts(self, sink: SinkSpec, source_kind: str) -> bool:
        """Whether a label of this source kind is reported at this sink: a rule with `sources`
        takes only those kinds, and an exclusive kind (weak random values) only such rules."""
        if sink.sources:
            return source_kind in sink.sources
        return source_kind not in self.exclusive_sources

    @property
    def template_sinks(self) -> tuple[SinkSpec, ...]:
        return self._template_sinks

    @property
    def template_rule_ids(self) -> frozenset[str]:
        return frozenset(s.rule.id for s in self._template_sinks)

    @property
    def repeat_sinks(self) -> tuple[SinkSpec, ...]:
        return self._repeat_sinks

    @property
    def sink_kinds(self) -> frozenset[str]:
        return self._sink_kinds

    def __post_init__(self) -> None:
        self._template_sinks = tuple(s for s in self.sinks if s.html_template or s.text_template)
        self._repeat_sinks = tuple(s for s in self.sinks if s.repeat)
        self._sink_kinds = frozenset(s.kind for s in self.sinks)
        self._param_cache: dict[str, tuple[frozenset[str], Confidence] | None] = {}
        self._sink_cache: dict[str, tuple[SinkSpec, ...]] = {}
        self._san_cache: dict[str, frozenset[str] | None] = {}
        self._source_cache: dict[str, tuple[str, Confidence] | None] = {}

    def sinks_for(self, qualified: str) -> tuple[SinkSpec, ...]:
        found = self._sink_cache.get(qualified)
        if found is None:
            found = tuple(s for s in self.sinks if s.calls.match(qualified))
            self._sink_cache[qualified] = found
        return found

    def parameter_source(self, name: str) -> tuple[frozenset[str], Confidence] | None:
        """(cleared set, cap) of a library parameter's label, or None when its name says nothing.

        The cleared set holds the sink kinds the parameter never reaches and an EMBED marker for
        each kind it reaches only once embedded."""
        if name in self._param_cache:
            return self._param_cache[name]
        found: tuple[frozenset[str], Confidence] | None = None
        hits = [p for p in self.parameter_sources if p.match(name)]
        if hits:
            kinds = frozenset().union(*(p.kinds for p in hits))
            embedded = frozenset().union(*(p.embedded for p in hits)) - kinds
            every = {s.kind for s in self.sinks}
            cap = max((p.cap for p in hits), key=lambda c: c.rank)
            blocked = frozenset(every - kinds - embedded) | {EMBED + k for k in embedded}
            found = blocked, cap
        self._param_cache[name] = found
        return found

    def sanitizer_for(self, qualified: str) -> frozenset[str] | None:
        if qualified in self._san_cache:
            return self._san_cache[qualified]
        clears: set[str] = set()
        hit = False
        for san in self.sanitizers:
            if san.calls.match(qualified):
                clears |= san.clears
                hit = True
        result = frozenset(clears) if hit else None
        self._san_cache[qualified] = result
        return result

    def source_for(self, qualified: str) -> tuple[str, Confidence] | None:
        if qualified in self._source_cache:
            return self._source_cache[qualified]
        found = self.source_names.get(qualified)
        if found is None:
            for suffix, kind, cap in self.source_suffixes:
                if qualified.endswith(suffix):
                    found = kind, cap
                    break
        self._source_cache[qualified] = found
        return found


def _strs(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def _ints(table: Mapping[str, Any], key: str, where: str) -> tuple[int, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise RuleError(f"{where}: '{key}' must be a list of integers")
    return tuple(value)


_SINK_KEYS = {
    "calls", "exclude", "args", "keywords", "receiver", "when_keyword", "unless_keyword",
    "program", "parser_arg", "parser_keyword", "store", "route_return", "cwe", "label", "min_args",
    "shell_command", "not_dict", "html_template", "text_template", "repeat", "requires", "inferred",
}  # fmt: skip


def _sink(rule: RuleInfo, table: Mapping[str, Any], kind: str) -> SinkSpec:
    where = f"{rule.origin}: rule '{rule.id}' sink"
    unknown = set(table) - _SINK_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    store = _strs(table, "store", where)
    return SinkSpec(
        rule=rule,
        kind=kind,
        calls=_Names(_strs(table, "calls", where), _strs(table, "exclude", where)),
        args=_ints(table, "args", where),
        keywords=tuple(_strs(table, "keywords", where)),
        receiver=bool(table.get("receiver", False)),
        when_keyword=dict(table.get("when_keyword", {})),
        unless_keyword={k: list(v) for k, v in dict(table.get("unless_keyword", {})).items()},
        program=bool(table.get("program", False)),
        shell_command=bool(table.get("shell_command", False)),
        not_dict=bool(table.get("not_dict", False)),
        parser_arg=table.get("parser_arg"),
        parser_keyword=str(table.get("parser_keyword", "")),
        store=_Names(store) if store else None,
        route_return=bool(table.get("route_return", False)),
        cwe=tuple(_strs(table, "cwe", where)) or rule.cwe,
        label=str(table.get("label", rule.data.get("label", rule.name))),
        min_args=int(table.get("min_args", 0)),
        sources=frozenset(_strs(rule.data, "sources", f"{rule.origin}: rule '{rule.id}'")),
        html_template=bool(table.get("html_template", False)),
        text_template=table_regex(table, "text_template", where),
        repeat=bool(table.get("repeat", False)),
        requires=str(table.get("requires", "")),
    )


class _Builder:
    def __init__(self) -> None:
        self.spec = EngineSpec()
        self.propagators: list[str] = []
        self.cleaners: list[str] = []
        self.terminators: list[str] = []
        self.routes: list[str] = []
        self.view_decorators: list[str] = []
        self.url_functions: list[str] = []
        self.handler_classes: list[str] = []
        self.request_types: list[str] = []
        self.xml_parsers: list[str] = []
        self.joiners: list[str] = []
        self.autoescape: list[str] = []
        self.keyed_stores: list[str] = []

    def shared(self, doc: Mapping[str, Any], where: str) -> None:
        spec = self.spec
        for table in doc.get("source", []):
            kind = str(table.get("kind", "remote"))
            cap = Confidence(table.get("confidence", "high"))
            if table.get("exclusive", False):
                spec.exclusive_sources = spec.exclusive_sources | {kind}
            for name in _strs(table, "names", where):
                if name.startswith("*."):
                    spec.source_suffixes.append((name[1:], kind, cap))
                else:
                    spec.source_names[name] = (kind, cap)
            spec.request_objects.update(_strs(table, "request_objects", where))
            spec.request_attributes.update(_strs(table, "request_attributes", where))
            spec.request_param_names.update(_strs(table, "request_params", where))
            spec.request_annotations.update(_strs(table, "request_annotations", where))
            for method in _strs(table, "methods", where):
                spec.source_methods[method] = kind
            self.routes.extend(_strs(table, "route_decorators", where))
            self.view_decorators.extend(_strs(table, "view_decorators", where))
            self.url_functions.extend(_strs(table, "url_functions", where))
            self.handler_classes.extend(_strs(table, "handler_classes", where))
            self.request_types.extend(_strs(table, "request_types", where))
            spec.clean_annotations.update(_strs(table, "clean_annotations", where))
            for attr, keys in dict(table.get("keyed_attributes", {})).items():
                spec.keyed_attributes[attr] = (*spec.keyed_attributes.get(attr, ()), *keys)
            params = [p.lower() for p in _strs(table, "parameters", where)]
            if params:
                spec.parameter_sources.append(
                    ParameterSourceSpec(
                        frozenset(p for p in params if "*" not in p),
                        tuple(p[:-1] for p in params if p.endswith("*")),
                        tuple(p[1:] for p in params if p.startswith("*")),
                        frozenset(_strs(table, "parameter_kinds", where)),
                        frozenset(_strs(table, "parameter_embedded_kinds", where)),
                        Confidence(table.get("confidence", "medium")),
                    )
                )
        for table in doc.get("sanitizer", []):
            clears = frozenset(_strs(table, "clears", where)) or frozenset({ALL})
            spec.sanitizers.append(SanitizerSpec(_Names(_strs(table, "calls", where)), clears))
            min_args = int(table.get("min_args", 0))
            for method in _strs(table, "methods", where):
                spec.sanitizer_methods[method] = spec.sanitizer_methods.get(method, frozenset()) | clears
                if min_args:
                    spec.sanitizer_method_min_args[method] = min_args
        for table in doc.get("guard", []):
            for quote, kinds in dict(table.get("quote_checks", {})).items():
                spec.quote_checks[quote] = spec.quote_checks.get(quote, frozenset()) | frozenset(kinds)
            for text, kinds in dict(table.get("absent_checks", {})).items():
                spec.absent_checks[text] = spec.absent_checks.get(text, frozenset()) | frozenset(kinds)
            partial = frozenset("~" + k for k in _strs(table, "partial", where))
            clears = frozenset(_strs(table, "clears", where)) | partial or frozenset({ALL})
            calls = _strs(table, "calls", where)
            if calls:
                keyword = str(table.get("keyword", ""))
                spec.guards.append(
                    GuardSpec(
                        _Names(calls), int(table.get("arg", 0)), clears, keyword,
                        frozenset(_strs(table, "falsy_attrs", where)), bool(table.get("compare", False)),
                    )
                )  # fmt: skip
            methods = spec.raising_methods if table.get("raises", False) else spec.guard_methods
            for method in _strs(table, "methods", where):
                methods[method] = methods.get(method, frozenset()) | clears
        for table in doc.get("propagator", []):
            self.propagators.extend(_strs(table, "calls", where))
            self.cleaners.extend(_strs(table, "clean", where))
            self.terminators.extend(_strs(table, "terminators", where))
            self.xml_parsers.extend(_strs(table, "safe_xml_parsers", where))
            self.joiners.extend(_strs(table, "joins", where))
            self.autoescape.extend(_strs(table, "autoescape_templates", where))
            self.keyed_stores.extend(_strs(table, "keyed_stores", where))
            spec.returns.update({str(k): str(v) for k, v in dict(table.get("returns", {})).items()})

    def finish(self) -> EngineSpec:
        spec = self.spec
        spec.propagators = _Names(self.propagators)
        spec.cleaners = _Names(self.cleaners)
        spec.terminators = _Names(self.terminators)
        spec.route_decorators = _Names(self.routes)
        spec.view_decorators = _Names(self.view_decorators)
        spec.url_functions = frozenset(self.url_functions)
        spec.handler_classes = frozenset(self.handler_classes)
        spec.request_types = frozenset(self.request_types)
        spec.xml_parsers = _Names(self.xml_parsers)
        spec.joiners = _Names(self.joiners)
        spec.autoescape_templates = _Names(self.autoescape)
        spec.keyed_stores = frozenset(self.keyed_stores)
        spec.__post_init__()
        return spec


def _read(path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from exc


def build_spec(rules: Sequence[RuleInfo], rule_files: Sequence[str] = ()) -> EngineSpec:
    """Compile every engine rule's sinks plus the shared tables of all rule files."""
    builder = _Builder()
    for name, doc in builtin_documents():
        builder.shared(doc, name)
    for path in rule_files:
        builder.shared(_read(path), path)
    for rule in rules:
        where = f"{rule.origin}: rule '{rule.id}'"
        builder.shared(rule.data, where)
        kind = str(rule.data.get("kind", rule.id))
        for table in rule.data.get("sink", []):
            if not isinstance(table, Mapping):
                raise RuleError(f"{where}: 'sink' must be an array of tables ([[rule.sink]])")
            builder.spec.sinks.append(_sink(rule, table, kind))
    return builder.finish()


def lower(confidence: Confidence) -> Confidence:
    return Confidence.MEDIUM if confidence == Confidence.HIGH else Confidence.LOW


def capped(confidence: Confidence, cap: Confidence) -> Confidence:
    """The lower of a rule's confidence and its source's cap."""
    return confidence if cap.at_least(confidence) else cap


__all__ = [
    "ALL",
    "EngineSpec",
    "ParameterSourceSpec",
    "Severity",
    "SinkSpec",
    "build_spec",
    "capped",
    "lower",
]
