"""The exception tree: every error vulnhound raises on purpose derives from VulnhoundError."""

from __future__ import annotations


class VulnhoundError(Exception):
    """Base of all errors raised by vulnhound itself."""


class ConfigError(VulnhoundError):
    """A configuration file, key or value is invalid; the message names which."""


class UsageError(VulnhoundError):
    """The caller asked for something impossible (an unknown format, a missing path)."""


class BaselineError(VulnhoundError):
    """A baseline file cannot be read or has the wrong shape."""


class RuleError(VulnhoundError):
    """A rule data file is malformed; the message names the file and the rule."""
