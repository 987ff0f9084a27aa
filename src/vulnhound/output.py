"""Writing report files all at once: a reader never sees a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vulnhound.errors import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place.

    Missing parent directories are created. Any failure raises :class:`UsageError` naming
    the path, so the CLI exits 2 ("could not do the job") rather than 1 ("found something").
    """
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if path.exists() and not path.is_file():  # /dev/stdout, /dev/null, a named pipe: never replace it
        _write_through(path, content)
        return
    directory = path.parent if str(path.parent) else Path(".")
    blocking = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"cannot write {path}: {blocking} is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {_why(exc, directory)}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp's 0600 would surprise CI artifact uploads
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {_why(exc, directory)}") from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_through(path: Path, content: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _why(exc: OSError, directory: Path) -> str:
    """The reason in words a user can act on (a bare "Permission denied" names no folder)."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        return f"{reason} (no write permission in {directory})"
    return reason
