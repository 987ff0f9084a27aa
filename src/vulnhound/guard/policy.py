"""The trust-zone policy: which code may reach which model.

Zones are listed most trusted first; each data class names the least trusted zone its
code may reach (``max_zone``). A file belongs to every class whose ``paths`` match it and
takes the most restrictive one; a file matching none is in ``default_class``. Paths are
gitignore-style globs relative to the policy's ``root``: the directory of the file that
defines the policy (or its ``root`` key), never the scan target, so that scanning
``restricted/`` itself, a single file in it, ``app/../restricted`` or a link into it
classes the code by where it really is (see :meth:`Policy.locate`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec
from pathspec.pattern import Pattern

from vulnhound.errors import ConfigError

DEFAULT_ZONES: tuple[str, ...] = ("local", "private-cloud", "domestic-cloud", "foreign-cloud")
DEFAULT_CLASS = "internal"

_POLICY_KEYS = ("zones", "default_class", "max_bytes_per_scan", "classes", "root", "strip_comments")
PURPOSES = ("triage", "hunt")
_CLASS_KEYS = ("paths", "max_zone")


@dataclass(frozen=True)
class DataClass:
    """A named set of paths and the least trusted zone their code may reach."""

    name: str
    max_zone: str
    paths: tuple[str, ...] = ()
    _spec: pathspec.PathSpec[Pattern] | None = field(default=None, compare=False, repr=False)

    def matches(self, path: str) -> bool:
        if self._spec is None:
            return False
        return self._spec.match_file(path)


def _data_class(name: str, max_zone: str, paths: Sequence[str]) -> DataClass:
    spec = pathspec.GitIgnoreSpec.from_lines(list(paths)) if paths else None
    return DataClass(name=name, max_zone=max_zone, paths=tuple(paths), _spec=spec)


@dataclass(frozen=True)
class Policy:
    """A validated ``[tool.vulnhound.policy]`` table (or the permissive default)."""

    zones: tuple[str, ...] = DEFAULT_ZONES
    default_class: str = DEFAULT_CLASS
    classes: Mapping[str, DataClass] = field(default_factory=dict)
    max_bytes_per_scan: Mapping[str, int] = field(default_factory=dict)
    source: str = "default policy"
    # Where class paths start: the real directory of the policy file. None (a policy built
    # in code, or the default): the scan root the guard is given.
    root: Path | None = None
    # Purposes whose payloads carry code without comments and docstrings: text written
    # for readers is where injected instructions hide.
    strip_comments: tuple[str, ...] = ("triage",)

    @classmethod
    def default(cls) -> Policy:
        """Four zones; all code is 'internal' and may reach every zone."""
        internal = _data_class(DEFAULT_CLASS, DEFAULT_ZONES[-1], ())
        return cls(classes={DEFAULT_CLASS: internal})

    def rank(self, zone: str) -> int:
        """0 for the most trusted zone; larger is less trusted."""
        return self.zones.index(zone)

    def check_endpoint_zone(self, model: str, zone: str | None) -> str:
        """Refuse a model whose zone is missing or not listed; called before anything is sent."""
        listed = ", ".join(self.zones)
        if not zone:
            raise ConfigError(
                f"model '{model}' has no 'zone'; set zone to one of the policy zones ({listed}) "
                f"in its [[tool.vulnhound.models]] table"
            )
        if zone not in self.zones:
            raise ConfigError(
                f"model '{model}' has zone '{zone}', which the policy ({self.source}) does not list "
                f"(zones: {listed})"
            )
        return zone

    def locate(self, real_path: str | Path, scan_root: Path | None = None) -> str:
        """The path that classes a file: its real path (links and ``..`` resolved) relative
        to the policy root, POSIX; an absolute path when the file lies outside the root."""
        real = Path(os.path.realpath(real_path))
        base = self.root if self.root is not None else scan_root
        if base is not None:
            base = Path(os.path.realpath(base))
            if real == base or base in real.parents:
                return real.relative_to(base).as_posix()
        return real.as_posix()

    def classify(self, path: str) -> DataClass:
        """The most restrictive class matching ``path`` (ties: class name order), else the default."""
        matching = [c for c in self.classes.values() if c.matches(path)]
        if not matching:
            return self.classes[self.default_class]
        return min(matching, key=lambda c: (self.rank(c.max_zone), c.name))

    def allows(self, path: str, zone: str) -> bool:
        return self.rank(self.classify(path).max_zone) >= self.rank(zone)

    def violation(self, paths: Iterable[str], zone: str) -> str | None:
        """Why code from ``paths`` may not reach ``zone``, or None when all of it may."""
        for path in paths:
            data_class = self.classify(path)
            if self.rank(data_class.max_zone) < self.rank(zone):
                shown = ", ".join(data_class.paths) or "default class"
                return (
                    f"policy: {path} is class '{data_class.name}' ({shown}), "
                    f"allowed up to '{data_class.max_zone}', may not reach '{zone}'"
                )
        return None

    def byte_limit(self, zone: str) -> int | None:
        return self.max_bytes_per_scan.get(zone)


def _str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: key '{key}' must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _zone(value: Any, key: str, where: str, zones: Sequence[str]) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: key '{key}' must be a string, got {value!r}")
    if value not in zones:
        raise ConfigError(f"{where}: key '{key}' names zone '{value}', not in zones ({', '.join(zones)})")
    return value


def _unknown(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: unknown key '{key}' (known keys: {', '.join(known)})")


def parse_policy_section(value: Any, where: str, base_dir: Path) -> Policy:
    """Validate ``[tool.vulnhound.policy]``; unknown keys and wrong types raise ConfigError.

    A default class that the table does not define may reach every zone. Class paths are
    relative to ``base_dir`` (the config file's directory), or to its ``root`` key, itself
    relative to that directory.
    """
    here = f"{where} [policy]"
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: key 'policy' must be a table, got {value!r}")
    _unknown(value, _POLICY_KEYS, here)
    zones = _str_list(value["zones"], "zones", here) if "zones" in value else DEFAULT_ZONES
    if not zones:
        raise ConfigError(f"{here}: key 'zones' must list at least one zone")
    if len(set(zones)) != len(zones):
        raise ConfigError(f"{here}: key 'zones' lists a zone twice: {list(zones)}")
    default_class = value.get("default_class", DEFAULT_CLASS)
    if not isinstance(default_class, str) or not default_class:
        raise ConfigError(f"{here}: key 'default_class' must be a non-empty string, got {default_class!r}")

    limits: dict[str, int] = {}
    raw_limits = value.get("max_bytes_per_scan", {})
    if not isinstance(raw_limits, dict):
        raise ConfigError(f"{here}: key 'max_bytes_per_scan' must be a table of zone = bytes")
    for zone, limit in raw_limits.items():
        key = f"max_bytes_per_scan.{zone}"
        _zone(zone, key, here, zones)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ConfigError(f"{here}: key '{key}' must be a non-negative integer, got {limit!r}")
        limits[zone] = limit

    classes: dict[str, DataClass] = {}
    raw_classes = value.get("classes", {})
    if not isinstance(raw_classes, dict):
        raise ConfigError(f"{here}: key 'classes' must be a table of class tables")
    for name, table in raw_classes.items():
        at = f"{here} class '{name}'"
        if not isinstance(table, dict):
            raise ConfigError(f"{here}: key 'classes.{name}' must be a table, got {table!r}")
        _unknown(table, _CLASS_KEYS, at)
        if "max_zone" not in table:
            raise ConfigError(f"{at}: missing key 'max_zone'")
        max_zone = _zone(table["max_zone"], "max_zone", at, zones)
        paths = _str_list(table.get("paths", []), "paths", at)
        classes[name] = _data_class(name, max_zone, paths)
    if default_class not in classes:
        classes[default_class] = _data_class(default_class, zones[-1], ())
    root = value.get("root", ".")
    if not isinstance(root, str) or not root:
        raise ConfigError(f"{here}: key 'root' must be a non-empty string (a directory), got {root!r}")
    strip = _str_list(value.get("strip_comments", ["triage"]), "strip_comments", here)
    for purpose in strip:
        if purpose not in PURPOSES:
            raise ConfigError(
                f"{here}: key 'strip_comments' names '{purpose}', not one of {', '.join(PURPOSES)}"
            )
    return Policy(
        zones=zones,
        default_class=default_class,
        classes=classes,
        max_bytes_per_scan=limits,
        source=where,
        root=Path(os.path.realpath(base_dir / root)),
        strip_comments=strip,
    )


def policy_of(config_policy: Any) -> Policy:
    """The policy of a Config (``config.policy``), or the default when none is configured."""
    if config_policy is None:
        return Policy.default()
    if not isinstance(config_policy, Policy):
        raise ConfigError(
            f"policy must be a vulnhound.guard.policy.Policy, got {type(config_policy).__name__}"
        )
    return config_policy
