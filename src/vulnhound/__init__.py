"""vulnhound: find vulnerabilities offline with a taint engine, or with any model through one guarded door."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from vulnhound.config import Config, load_config
    from vulnhound.errors import BaselineError, ConfigError, RuleError, UsageError, VulnhoundError
    from vulnhound.findings import Confidence, Finding, FlowStep, Location, Severity, Triage, Verdict
    from vulnhound.result import ScanResult
    from vulnhound.scanner import scan
    from vulnhound.sources import Skipped, SkipReason

__all__ = [
    "BaselineError",
    "Confidence",
    "Config",
    "ConfigError",
    "Finding",
    "FlowStep",
    "Location",
    "RuleError",
    "ScanResult",
    "Severity",
    "SkipReason",
    "Skipped",
    "Triage",
    "UsageError",
    "Verdict",
    "VulnhoundError",
    "__version__",
    "load_config",
    "scan",
]

_EXPORTS = {
    "Config": "vulnhound.config",
    "load_config": "vulnhound.config",
    "BaselineError": "vulnhound.errors",
    "ConfigError": "vulnhound.errors",
    "RuleError": "vulnhound.errors",
    "UsageError": "vulnhound.errors",
    "VulnhoundError": "vulnhound.errors",
    "Confidence": "vulnhound.findings",
    "Finding": "vulnhound.findings",
    "FlowStep": "vulnhound.findings",
    "Location": "vulnhound.findings",
    "Severity": "vulnhound.findings",
    "Triage": "vulnhound.findings",
    "Verdict": "vulnhound.findings",
    "ScanResult": "vulnhound.result",
    "scan": "vulnhound.scanner",
    "Skipped": "vulnhound.sources",
    "SkipReason": "vulnhound.sources",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use: `import vulnhound` stays cheap for the CLI."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vulnhound' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
