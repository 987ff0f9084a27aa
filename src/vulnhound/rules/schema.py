"""The schema of rule files, checked whole before any analyzer reads them.

A misspelt key (`clear` for `clears`, `sevrity`) or a value of the wrong type would otherwise be
ignored or crash an analyzer halfway through a scan; here it stops the scan at load time with an
error naming the file, the table and the key. Analyzers still read the tables themselves: this
module only says what may be written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError, field_validator

from vulnhound.errors import RuleError

Strs = list[StrictStr]
Level = Literal["low", "medium", "high"]
SeverityName = Literal["critical", "high", "medium", "low", "info"]


def table_regex(table: Mapping[str, Any], key: str, where: str) -> re.Pattern[str] | None:
    """The compiled regular expression under ``key`` of a rule table (None when absent); a bad
    one is a RuleError naming where and the key, for every analyzer that reads one."""
    pattern = table.get(key)
    if pattern is None:
        return None
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        raise RuleError(f"{where}: '{key}' is not a valid regular expression: {exc}") from None


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Inferred(_Table):
    """Who labelled an entry of an inferred spec file (`vulnhound specs infer`), and why."""

    model: StrictStr
    reason: StrictStr = ""
    seen: StrictStr = ""


class Source(_Table):
    kind: StrictStr = "remote"
    confidence: Level = "high"
    exclusive: StrictBool = False
    names: Strs = []
    methods: Strs = []
    request_objects: Strs = []
    request_attributes: Strs = []
    request_params: Strs = []
    request_annotations: Strs = []
    request_types: Strs = []
    route_decorators: Strs = []
    view_decorators: Strs = []
    url_functions: Strs = []
    handler_classes: Strs = []
    clean_annotations: Strs = []
    keyed_attributes: dict[str, Strs] = {}
    parameters: Strs = []
    parameter_kinds: Strs = []
    parameter_embedded_kinds: Strs = []
    inferred: Inferred | None = None


class Sanitizer(_Table):
    calls: Strs = []
    methods: Strs = []
    clears: Strs = []
    min_args: StrictInt = 0
    inferred: Inferred | None = None


class Guard(_Table):
    calls: Strs = []
    methods: Strs = []
    arg: StrictInt = 0
    keyword: StrictStr = ""
    clears: Strs = []
    partial: Strs = []
    falsy_attrs: Strs = []
    compare: StrictBool = False
    raises: StrictBool = False
    quote_checks: dict[str, Strs] = {}
    absent_checks: dict[str, Strs] = {}


class Propagator(_Table):
    calls: Strs = []
    clean: Strs = []
    terminators: Strs = []
    safe_xml_parsers: Strs = []
    joins: Strs = []
    autoescape_templates: Strs = []
    keyed_stores: Strs = []
    returns: dict[str, StrictStr] = {}
    inferred: Inferred | None = None


class Sink(_Table):
    calls: Strs = []
    exclude: Strs = []
    args: list[StrictInt] = []
    keywords: Strs = []
    receiver: StrictBool = False
    when_keyword: dict[str, Any] = {}
    unless_keyword: dict[str, list[Any]] = {}
    program: StrictBool = False
    shell_command: StrictBool = False
    not_dict: StrictBool = False
    parser_arg: StrictInt | None = None
    parser_keyword: StrictStr = ""
    store: Strs = []
    route_return: StrictBool = False
    cwe: Strs = []
    label: StrictStr = ""
    min_args: StrictInt = 0
    html_template: StrictBool = False
    text_template: StrictStr | None = None
    inferred: Inferred | None = None
    repeat: StrictBool = False
    requires: StrictStr = ""

    @field_validator("text_template")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"key 'text_template': not a valid regular expression ({exc})") from None
        return value


# the keys of the patterns analyzer's [[rule.match]] and [[rule.assign]] tables (their values
# are checked when the analyzer compiles them)
MATCH_KEYS = frozenset(
    {
        "calls", "keyword_equals", "keyword_absent", "keyword_not_in", "keyword_not_true",
        "keyword_positions", "arg_in", "arg_nonliteral", "arg_count_below", "min_args",
        "assigned_to_name_matching", "assigned_to_name_not_matching", "served_name_not_matching",
        "context_not_matching", "context_keep_matching", "function_not_containing",
        "keyword_dict_equals", "keyword_contains", "receiver_bound_to", "keyword_absent_or_made_by",
        "not_only_used_with_literal_arg",
    }
)  # fmt: skip
ASSIGN_KEYS = frozenset(
    {"targets", "target_not_matching", "value", "path_matching", "path_not_matching", "toplevel"}
)


def _keys_known(tables: list[dict[str, Any]], known: frozenset[str], name: str) -> list[dict[str, Any]]:
    for index, table in enumerate(tables):
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(f"[[rule.{name}]] #{index + 1}: unknown key(s) {', '.join(unknown)}")
    return tables


class Rule(_Table):
    """A ``[[rule]]``: metadata for every analyzer plus each analyzer's detection tables.
    ``match``/``assign`` (patterns), ``patterns``/``lexicon`` (AI directives) keep their own,
    finer checks in their analyzers; here they must at least be tables."""

    id: StrictStr
    analyzer: StrictStr
    name: StrictStr = ""
    cwe: Strs
    severity: SeverityName
    confidence: Level = "medium"
    conditional_confidence: Level | None = None
    short_description: StrictStr
    full_description: StrictStr = ""
    help: StrictStr = ""
    tags: Strs = []
    kind: StrictStr = ""
    label: StrictStr = ""
    sources: Strs = []
    sink: list[Sink] = []
    match: list[dict[str, Any]] = []
    assign: list[dict[str, Any]] = []
    patterns: list[Any] = []
    lexicon: Any = None

    @field_validator("match")
    @classmethod
    def _match_keys(cls, tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _keys_known(tables, MATCH_KEYS, "match")

    @field_validator("assign")
    @classmethod
    def _assign_keys(cls, tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _keys_known(tables, ASSIGN_KEYS, "assign")


_TOP: dict[str, type[_Table]] = {
    "rule": Rule,
    "source": Source,
    "sanitizer": Sanitizer,
    "guard": Guard,
    "propagator": Propagator,
}
# tables only the shipped files may hold (secret detectors, vocabularies), checked by their readers
SHIPPED_ONLY = frozenset(
    {"secret", "entropy", "examples", "placeholders", "cwe", "gate", "language", "confusables"}
)


def _where(origin: str, table: str, index: int, doc_table: Mapping[str, Any]) -> str:
    name = doc_table.get("id") if table == "rule" else None
    if isinstance(name, str):
        return f"{origin}: rule '{name}'"
    return f"{origin}: [[{table}]] #{index + 1}"


def _message(where: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key '{key}'")
        elif error["type"] == "value_error":
            problems.append(str(error["msg"]).removeprefix("Value error, "))
        elif error["type"] == "missing":
            problems.append(f"missing key '{key}'")
        else:
            problems.append(f"key '{key}': {error['msg'].lower()} (got {error.get('input')!r})")
    return f"{where}: " + "; ".join(problems)


def validate_document(doc: Mapping[str, Any], origin: str, *, shipped: bool = False) -> None:
    """Raise RuleError naming the file, table and key of the first bad table."""
    for top, value in doc.items():
        model = _TOP.get(top)
        if model is None:
            if shipped and top in SHIPPED_ONLY:
                continue
            known = ", ".join(sorted(_TOP))
            raise RuleError(f"{origin}: unknown table '{top}' (rule files hold {known})")
        if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
            raise RuleError(f"{origin}: '{top}' must be an array of tables ([[{top}]])")
        for index, table in enumerate(value):
            try:
                model.model_validate(dict(table))
            except ValidationError as exc:
                raise RuleError(_message(_where(origin, top, index, table), exc)) from None


__all__ = ["ASSIGN_KEYS", "MATCH_KEYS", "SHIPPED_ONLY", "validate_document"]
