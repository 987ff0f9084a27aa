"""Configuration: defaults < file < environment (``VULNHOUND_*``) < command line.

The file is ``[tool.vulnhound]`` in the nearest ``pyproject.toml`` or the top level of a
``vulnhound.toml`` (which wins when both sit in the same directory), found by walking up
from the scan target, or given explicitly. Unknown keys and wrong types raise
:class:`ConfigError` naming the key and where it came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vulnhound.code_context import ContextRules, parse_context_name
from vulnhound.errors import ConfigError
from vulnhound.findings import CodeContext, Confidence, Severity

DEFAULT_MAX_FILE_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Config:
    """Every setting of a scan. Build with :func:`load_config` or directly in library use."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    # Files the walk never reads, whatever the globs say: the scan's own inputs and outputs
    # (a baseline, reports) when they lie in the scanned tree; otherwise each scan would
    # re-read the secrets quoted by the last report. Absolute paths; not a file/env key.
    ignore_paths: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    per_file_timeout: float = 20.0
    fail_on: Severity = Severity.HIGH
    # Contexts whose findings count for fail_on besides production code ("test", "all"...).
    fail_on_contexts: tuple[CodeContext, ...] = ()
    min_severity: Severity = Severity.INFO
    min_confidence: Confidence = Confidence.LOW
    strict: bool = False
    suppressions: bool = True
    report_unused_suppressions: bool = False
    baseline: str | None = None
    rule_files: tuple[str, ...] = ()
    disable_rules: tuple[str, ...] = ()
    analyzers: tuple[str, ...] = ()  # empty: the default analyzers
    jobs: int = 0  # 0: one per core
    # Treat every function parameter as attacker-controlled: for library code and for
    # function-level datasets, where no web framework marks the entry points.
    taint_parameters: bool = False
    # The most severe finding a model's triage may dismiss; above it a model only annotates
    # (a critical finding is what injected text would most like to close).
    triage_dismiss_max: Severity = Severity.HIGH
    # Model findings the code could neither verify nor refute count for fail_on too (by
    # default only verified ones, or ones --consensus K models reported, fail a build).
    count_unverified: bool = False
    # A model's triage may dismiss only when its calibration (`vulnhound models calibrate`)
    # bounds its false-dismissal rate at or below this (95% Wilson upper bound).
    triage_max_false_dismissal: float = 0.10
    # Read the scan root's .vulnhound/specs.toml (written by `vulnhound specs infer`).
    use_inferred_specs: bool = True
    # Reuse analyzer results of unchanged files (vulnhound.resultcache, in the user's cache folder).
    cache: bool = True
    # Sections owned by the model layer and the egress guard; validated by their parsers.
    models: tuple[Any, ...] = ()
    policy: Any = None
    # Path conventions that class files as test, example or docs code ([contexts]).
    contexts: ContextRules = dataclasses.field(default_factory=ContextRules.default)
    source: str = "defaults"  # where the file part came from, for messages

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def _as_bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        return value.lower() in {"1", "true", "yes", "on"}
    raise ConfigError(f"{where}: key '{key}' must be a boolean, got {value!r}")


def _as_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: key '{key}' must be an integer, got {value!r}")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        result = int(value)
    else:
        raise ConfigError(f"{where}: key '{key}' must be an integer, got {value!r}")
    if result < 0:
        raise ConfigError(f"{where}: key '{key}' must not be negative, got {result}")
    return result


def _as_fraction(value: Any, key: str, where: str) -> float:
    number = _as_float(value, key, where)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"{where}: key '{key}' must be between 0 and 1, got {value!r}")
    return number


def _as_float(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: key '{key}' must be a number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: key '{key}' must be a number, got {value!r}") from None
    if result <= 0:
        raise ConfigError(f"{where}: key '{key}' must be positive, got {result}")
    return result


def _as_str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):  # environment variables: comma separated
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: key '{key}' must be a list of strings, got {value!r}")


def _as_optional_str(value: Any, key: str, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{where}: key '{key}' must be a string, got {value!r}")


def _as_severity(value: Any, key: str, where: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{where}: key '{key}' must be one of {choices}; got {value!r}") from None


def _as_confidence(value: Any, key: str, where: str) -> Confidence:
    try:
        return Confidence(str(value).lower())
    except ValueError:
        choices = ", ".join(c.value for c in Confidence)
        raise ConfigError(f"{where}: key '{key}' must be one of {choices}; got {value!r}") from None


def _as_contexts(value: Any, key: str, where: str) -> tuple[CodeContext, ...]:
    """Context names, comma separated or as a list (repeated options); ``all`` for every one."""
    items = _as_str_list(value, key, where)
    names = [part for item in items for part in item.split(",") if part.strip()]
    chosen: dict[CodeContext, None] = {}
    for name in names:
        chosen.update(dict.fromkeys(parse_context_name(name, key, where)))
    return tuple(chosen)


Parser = Callable[[Any, str, str], Any]

# Scalar and list keys, settable from file, environment and command line.
_FIELD_PARSERS: dict[str, Parser] = {
    "include": _as_str_list,
    "exclude": _as_str_list,
    "respect_gitignore": _as_bool,
    "max_file_size": _as_int,
    "per_file_timeout": _as_float,
    "fail_on": _as_severity,
    "fail_on_contexts": _as_contexts,
    "min_severity": _as_severity,
    "min_confidence": _as_confidence,
    "strict": _as_bool,
    "suppressions": _as_bool,
    "report_unused_suppressions": _as_bool,
    "baseline": _as_optional_str,
    "rule_files": _as_str_list,
    "disable_rules": _as_str_list,
    "analyzers": _as_str_list,
    "jobs": _as_int,
    "taint_parameters": _as_bool,
    "triage_dismiss_max": _as_severity,
    "count_unverified": _as_bool,
    "triage_max_false_dismissal": _as_fraction,
    "use_inferred_specs": _as_bool,
    "cache": _as_bool,
}

# Structured sections (file only), parsed by the subsystem that owns them. Registered
# lazily so that importing config does not import the model layer.
SectionParser = Callable[[Any, str, Path], Any]
_SECTION_PARSERS: dict[str, Callable[[], SectionParser]] = {}


def register_section(key: str, loader: Callable[[], SectionParser]) -> None:
    """Let a subsystem own a structured config key such as ``models`` or ``policy``."""
    _SECTION_PARSERS[key] = loader


def _known_keys() -> list[str]:
    return sorted([*_FIELD_PARSERS, *_SECTION_PARSERS])


def _apply(values: Mapping[str, Any], where: str, base_dir: Path | None) -> dict[str, Any]:
    """Validate raw values (from a file or the environment) into Config field values."""
    parsed: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if key in _FIELD_PARSERS:
            parsed[key] = _FIELD_PARSERS[key](value, raw_key, where)
        elif key in _SECTION_PARSERS:
            parsed[key] = _SECTION_PARSERS[key]()(value, where, base_dir or Path.cwd())
        else:
            known = ", ".join(_known_keys())
            raise ConfigError(f"{where}: unknown key '{raw_key}' (known keys: {known})")
    return parsed


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _section_of(path: Path, doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if path.name == "pyproject.toml":
        tool = doc.get("tool", {})
        section = tool.get("vulnhound", {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.vulnhound] must be a table")
        return section, f"{path} [tool.vulnhound]"
    return doc, str(path)


def discover_config_file(start: Path) -> Path | None:
    """Nearest vulnhound.toml, or pyproject.toml holding [tool.vulnhound], upward from start."""
    try:
        current = start.resolve()
    except RuntimeError:  # a looping link: start from the directory holding it
        current = start.absolute().parent.resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "vulnhound.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # a broken unrelated pyproject is not ours to reject
            tool = doc.get("tool")
            if isinstance(tool, dict) and "vulnhound" in tool:
                return pyproject
    return None


def _anchor_paths(values: dict[str, Any], base: Path) -> dict[str, Any]:
    """Paths written in a config file are relative to that file, wherever the scan runs from."""
    if isinstance(values.get("baseline"), str):
        values["baseline"] = str(base / values["baseline"])
    if "rule_files" in values:
        values["rule_files"] = tuple(str(base / p) for p in values["rule_files"])
    return values


def load_config(
    start: Path | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the effective configuration.

    ``start`` is where discovery begins (the first scan target); ``config_file`` skips
    discovery; ``environ`` defaults to no environment (the CLI passes ``os.environ``);
    ``overrides`` are command-line values, already typed or as strings.
    """
    values: dict[str, Any] = {}
    source = "defaults"
    path = config_file if config_file is not None else discover_config_file(start or Path.cwd())
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        section, where = _section_of(path, _read_toml(path))
        values.update(_anchor_paths(_apply(section, where, path.parent), path.parent))
        source = where
    if environ:
        env_values = {
            key[len("VULNHOUND_") :].lower(): value
            for key, value in environ.items()
            if key.startswith("VULNHOUND_") and key[len("VULNHOUND_") :].lower() in _FIELD_PARSERS
        }
        for key, value in env_values.items():
            values.update(_apply({key: value}, f"environment variable VULNHOUND_{key.upper()}", None))
    if overrides:
        for key, value in overrides.items():
            if value is None:
                continue
            values.update(_apply({key: value}, f"command-line option for '{key}'", None))
    return Config(**values, source=source)


# VULNHOUND_* variables that are not settings but are read elsewhere (the model weights
# cache, the test suite, the CI examples): not worth a warning.
OTHER_VARIABLES: frozenset[str] = frozenset(
    {"VULNHOUND_CACHE_DIR", "VULNHOUND_RUN_SLOW", "VULNHOUND_CORPUS_REPORT", "VULNHOUND_PACKAGE"}
)


def environment_warnings(environ: Mapping[str, str], config: Config | None = None) -> list[str]:
    """Warnings for ``VULNHOUND_*`` variables that set nothing, with the closest known name.

    A misspelled variable (``_FAIL_0N``, with a zero) would otherwise be ignored without a
    word and the build pass on the default threshold. Not an error: CI environments carry
    variables of their own. API-key variables that ``config``'s models name are known too.
    """
    prefix = "VULNHOUND_"
    known = {f"{prefix}{key.upper()}" for key in _FIELD_PARSERS} | OTHER_VARIABLES
    if config is not None:
        known |= {m.api_key_env for m in config.models if getattr(m, "api_key_env", None)}
    # Compared without the shared prefix, which would make every pair look alike.
    suffixes = {name[len(prefix) :]: name for name in known if name.startswith(prefix)}
    warnings = []
    for name in sorted(n for n in environ if n.startswith(prefix) and n not in known):
        key = name[len(prefix) :].lower()
        if key in _FIELD_PARSERS:  # read case-insensitively by load_config
            continue
        if key in _SECTION_PARSERS:
            warnings.append(f"environment variable {name}: '{key}' can only be set in a config file; ignored")
            continue
        close = difflib.get_close_matches(name[len(prefix) :], sorted(suffixes), n=1, cutoff=0.7)
        hint = f" (did you mean {suffixes[close[0]]}?)" if close else ""
        warnings.append(f"environment variable {name} is not a vulnhound setting{hint}; ignored")
    return warnings


__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "Config",
    "discover_config_file",
    "environment_warnings",
    "load_config",
    "register_section",
]


def _lazy(target: str) -> Callable[[], SectionParser]:
    def load() -> SectionParser:
        from importlib import import_module

        module, _, name = target.partition(":")
        parser: SectionParser = getattr(import_module(module), name)
        return parser

    return load


# The model layer owns [[tool.vulnhound.models]]; the egress guard owns [tool.vulnhound.policy].
register_section("models", _lazy("vulnhound.models.config:parse_models_section"))
register_section("policy", _lazy("vulnhound.guard.policy:parse_policy_section"))
register_section("contexts", _lazy("vulnhound.code_context:parse_contexts_section"))
