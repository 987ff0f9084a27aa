"""Files as the pipeline hands them to analyzers, and files it could not analyse."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property


class SkipReason(enum.StrEnum):
    """Why a file (or part of one) was not analysed. Every output lists these."""

    BINARY = "binary"
    TOO_LARGE = "too-large"
    DECODE_ERROR = "decode-error"
    SYNTAX_ERROR = "syntax-error"
    UNREADABLE = "unreadable"
    SYMLINK_LOOP = "symlink-loop"
    SYMLINK_OUTSIDE_ROOT = "symlink-outside-root"
    NOT_FOUND = "not-found"
    TIMEOUT = "timeout"
    ANALYZER_ERROR = "analyzer-error"
    UNSUPPORTED_LANGUAGE = "unsupported-language"
    MODEL_UNAVAILABLE = "model-unavailable"
    POLICY = "policy"
    BUDGET = "budget"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file, or a unit inside one, that some analysis did not cover, and why."""

    path: str
    reason: SkipReason
    detail: str
    analyzer: str = ""  # empty when the file was never read at all


@dataclass(frozen=True)
class SourceFile:
    """A decoded text file inside the scan root.

    ``path`` is relative to the root in POSIX form; ``text`` is the whole decoded file.
    """

    path: str
    absolute_path: str
    language: str
    text: str

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def line(self, number: int) -> str:
        """The text of a 1-based line, or '' when out of range."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""
