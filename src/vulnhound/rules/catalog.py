"""Rule metadata as data.

Each TOML file under ``rules/data`` (or given by the user through ``rule_files``) holds
``[[rule]]`` tables. The metadata part (id, CWE, severity, texts) is read here; analyzers read
the detection part (sources, sinks, call patterns) of the same tables themselves.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from vulnhound.errors import RuleError
from vulnhound.findings import Confidence, Severity
from vulnhound.rules.schema import validate_document

# security-severity scores as GitHub code scanning reads them.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule id means, independent of how it is detected."""

    id: str
    name: str
    cwe: tuple[str, ...]
    severity: Severity
    confidence: Confidence
    short_description: str
    full_description: str
    help_text: str
    analyzer: str
    tags: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str = ""

    @property
    def security_severity(self) -> str:
        return SECURITY_SEVERITY[self.severity]


def _require(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise RuleError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise RuleError(f"{where}: key '{key}' must be {kind.__name__}, got {type(value).__name__}")
    return value


def parse_rule(table: Mapping[str, Any], origin: str, index: int) -> RuleInfo:
    """Read one ``[[rule]]`` table; the error names the file and the rule."""
    where = f"{origin}: rule #{index + 1}"
    rule_id = _require(table, "id", str, where)
    where = f"{origin}: rule '{rule_id}'"
    cwe = _require(table, "cwe", list, where)
    if not cwe or not all(isinstance(c, str) and c.startswith("CWE-") for c in cwe):
        raise RuleError(f"{where}: 'cwe' must be a non-empty list like [\"CWE-89\"]")
    try:
        severity = Severity(_require(table, "severity", str, where))
    except ValueError:
        raise RuleError(f"{where}: unknown severity {table['severity']!r}") from None
    try:
        confidence = Confidence(table.get("confidence", "medium"))
    except ValueError:
        raise RuleError(f"{where}: unknown confidence {table.get('confidence')!r}") from None
    short = _require(table, "short_description", str, where)
    return RuleInfo(
        id=rule_id,
        name=str(table.get("name", rule_id)),
        cwe=tuple(normalize_cwe(c) for c in cwe),
        severity=severity,
        confidence=confidence,
        short_description=short,
        full_description=str(table.get("full_description", short)),
        help_text=str(table.get("help", short)),
        analyzer=_require(table, "analyzer", str, where),
        tags=tuple(str(t) for t in table.get("tags", ())),
        data=dict(table),
        origin=origin,
    )


def normalize_cwe(cwe: str) -> str:
    """``CWE-089`` and ``cwe-89`` both become ``CWE-89``."""
    prefix, _, number = cwe.strip().upper().partition("-")
    if prefix != "CWE" or not number.isdigit():
        raise RuleError(f"not a CWE id: {cwe!r}")
    return f"CWE-{int(number)}"


def load_rule_file(path: Path | str, text: str | None = None, *, builtin: bool = False) -> list[RuleInfo]:
    """The rules of a file; a user's file is checked whole against the schema first (the
    shipped files are checked by the test suite, not on every load)."""
    origin = str(path)
    try:
        raw = text if text is not None else Path(path).read_text(encoding="utf-8")
        doc = tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{origin}: cannot read rule file: {exc}") from exc
    if not builtin:
        validate_document(doc, origin)
    return [parse_rule(t, origin, i) for i, t in enumerate(doc.get("rule", []))]


@functools.cache
def builtin_documents() -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The shipped rule files parsed, once per process (the catalog and the engine's spec both
    read them; parsing them was a tenth of a rescan). Readers must not modify them."""
    return tuple((name, tomllib.loads(text)) for name, text in builtin_rule_files())


def builtin_rule_files() -> Iterator[tuple[str, str]]:
    """(name, text) of every rule file shipped in the package, in name order."""
    data = resources.files("vulnhound.rules").joinpath("data")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield f"vulnhound/rules/data/{entry.name}", entry.read_text(encoding="utf-8")


class RuleCatalog:
    """All known rules by id; user files may add rules but not silently redefine one."""

    def __init__(self, rules: Iterable[RuleInfo] = ()) -> None:
        self._rules: dict[str, RuleInfo] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: RuleInfo) -> None:
        existing = self._rules.get(rule.id)
        if existing is not None:
            raise RuleError(f"{rule.origin}: rule '{rule.id}' already defined in {existing.origin}")
        self._rules[rule.id] = rule

    @classmethod
    def load(cls, extra_files: Iterable[Path] = ()) -> RuleCatalog:
        catalog = cls()
        for name, doc in builtin_documents():
            for index, table in enumerate(doc.get("rule", [])):
                catalog.add(parse_rule(table, name, index))
        for path in extra_files:
            for rule in load_rule_file(path):
                catalog.add(rule)
        return catalog

    def get(self, rule_id: str) -> RuleInfo | None:
        return self._rules.get(rule_id)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._rules)

    def for_analyzer(self, analyzer: str) -> list[RuleInfo]:
        return [r for r in self if r.analyzer == analyzer]
