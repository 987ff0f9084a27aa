"""Reading candidate files into decoded text, or a skip record saying why not."""

from __future__ import annotations

import codecs
import io
import tokenize

from vulnhound.sources import Skipped, SkipReason, SourceFile
from vulnhound.walker import Candidate

_BINARY_PROBE = 8192


def read_source(candidate: Candidate, max_size: int) -> SourceFile | Skipped:
    """Decode one file. Python files honour a PEP 263 coding cookie; others must be UTF-8."""
    rel = candidate.path
    try:
        size = candidate.absolute_path.stat().st_size
        if size > max_size:
            return Skipped(rel, SkipReason.TOO_LARGE, f"{size} bytes exceeds the limit of {max_size} bytes")
        data = candidate.absolute_path.read_bytes()
    except PermissionError as exc:
        return Skipped(rel, SkipReason.UNREADABLE, f"permission denied: {exc.strerror}")
    except OSError as exc:
        return Skipped(rel, SkipReason.UNREADABLE, exc.strerror or str(exc))
    if len(data) > max_size:  # grew between stat and read
        return Skipped(rel, SkipReason.TOO_LARGE, f"{len(data)} bytes exceeds the limit of {max_size} bytes")
    if b"\x00" in data[:_BINARY_PROBE]:
        return Skipped(rel, SkipReason.BINARY, "contains NUL bytes")
    encoding = "utf-8"
    cookie_error: SyntaxError | None = None
    if candidate.language == "python":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            # Also raised for plain invalid UTF-8 in the first two lines: decoding below
            # names the offending byte; only a file that decodes has a bad cookie.
            cookie_error = exc
    try:
        text = codecs.decode(data, encoding)
        if cookie_error is not None:
            return Skipped(rel, SkipReason.DECODE_ERROR, f"bad coding declaration: {cookie_error}")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Skipped(
            rel,
            SkipReason.DECODE_ERROR,
            f"invalid {exc.encoding} at byte {exc.start} (line {line}): {exc.reason}",
        )
    except LookupError:
        return Skipped(rel, SkipReason.DECODE_ERROR, f"unknown encoding {encoding!r}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(rel, str(candidate.absolute_path), candidate.language, text)
