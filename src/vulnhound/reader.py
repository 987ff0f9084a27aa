"""Reading candidate files into decoded text, or a skip record saying why not."""

from __future__ import annotations

import codecs
import io
import tokenize

from vulnhound.notebooks import NotebookError, notebook_view
from vulnhound.sources import Skipped, SkipReason, SourceFile
from vulnhound.walker import Candidate

_BINARY_PROBE = 8192


def read_source(candidate: Candidate, max_size: int) -> SourceFile | Skipped:
    """Decode one file. Python files honour a PEP 263 coding cookie; others must be UTF-8.

    Jupyter notebooks (``.ipynb``) become the Python code view of their cells.
    """
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
    if candidate.path.lower().endswith(".ipynb"):
        return _read_notebook(candidate, data)
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
        text = _decode(data, encoding)
    except _DecodeFailure as failure:
        return Skipped(rel, SkipReason.DECODE_ERROR, failure.detail)
    if cookie_error is not None:
        return Skipped(rel, SkipReason.DECODE_ERROR, f"bad coding declaration: {cookie_error}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(rel, str(candidate.absolute_path), candidate.language, text)


class _DecodeFailure(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _decode(data: bytes, encoding: str) -> str:
    """Bytes to text with a *text* encoding, as Python itself decodes source files.

    ``bytes.decode`` refuses codecs that are not text encodings (rot13, hex, base64, zlib,
    bz2, uu, quopri: bytes-to-bytes or str-to-str) with a LookupError; other codecs fail with
    UnicodeError or ValueError (punycode, undefined) or worse. Whatever a codec raises, the
    file is undecodable, never a crash of the scan.
    """
    if not _ascii_compatible(encoding):
        raise _DecodeFailure(
            f"coding declaration names {encoding!r}, which is not ASCII-compatible: "
            "a file cannot declare it in plain text"
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _DecodeFailure(
            f"invalid {exc.encoding} at byte {exc.start} (line {line}): {exc.reason}"
        ) from None
    except LookupError:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise _DecodeFailure(f"unknown encoding {encoding!r}") from None
        raise _DecodeFailure(f"coding declaration names {encoding!r}, which is not a text encoding") from None
    except Exception as exc:  # any other codec failure: UnicodeError, ValueError, TypeError ...
        raise _DecodeFailure(
            f"cannot decode with codec {encoding!r}: {type(exc).__name__}: {_printable(str(exc))}"
        ) from None
    if encoding not in {"utf-8", "utf-8-sig"} and not _encodable(text):
        # unicode_escape, utf-7 and friends can produce lone surrogates, which no analyzer,
        # parser or report can encode back to UTF-8.
        raise _DecodeFailure(f"decoding with codec {encoding!r} gives lone surrogates, not text")
    return text


_PROBE = "# -*- coding: x -*-\nimport a_Z09 = (1, [2], {3}) '\"\n"


def _ascii_compatible(encoding: str) -> bool:
    """Whether ASCII text means the same in ``encoding`` (not so for UTF-16/32 or EBCDIC).

    A coding declaration is read as ASCII, so a file declaring an encoding that is not
    ASCII-compatible contradicts itself; decoding it would turn the code into noise.
    """
    if encoding in {"utf-8", "utf-8-sig"}:
        return True
    try:
        return _PROBE.encode("ascii").decode(encoding) == _PROBE
    except Exception:  # unknown or not a text encoding: decoding says which
        return True


def _printable(message: str) -> str:
    """A codec's message on one line: control characters escaped, length bounded."""
    escaped = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in message)
    return escaped if len(escaped) <= 200 else escaped[:200] + "..."


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_notebook(candidate: Candidate, data: bytes) -> SourceFile | Skipped:
    """A Jupyter notebook as the Python code view of its cells (see :mod:`vulnhound.notebooks`)."""
    try:
        text = notebook_view(data)
    except NotebookError as exc:
        return Skipped(candidate.path, exc.reason, exc.detail)
    return SourceFile(candidate.path, str(candidate.absolute_path), "python", text)
