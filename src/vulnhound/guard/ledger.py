"""The egress ledger: an append-only JSONL hash chain of every decision the guard makes.

Each line is one entry in canonical JSON (sorted keys, no spaces, UTF-8). ``hash`` is the
SHA-256 of the canonical JSON of the entry without ``hash``; ``prev`` is the previous
entry's ``hash`` (64 zeros for the first); ``seq`` counts from 1 and equals the line
number. Editing, deleting, inserting or reordering entries breaks the chain at the first
changed line. Cutting entries off the end leaves a valid chain, so a sidecar head file
(``<ledger>.head``: count and last hash, replaced atomically after every append) anchors
the end; :func:`verify` compares the two. Whoever can rewrite both files can forge a
consistent history: copy the head hash somewhere the scanner cannot write (CI logs,
a ticket) to close that gap.

Appends hold a thread lock and an exclusive ``fcntl.flock`` on the ledger file, and read
the chain's tail from the file itself, so several processes can share one ledger. Before
adding anything an append checks the tail against the head file and refuses when they
disagree: a ledger truncated or deleted (head kept), or a head deleted, would otherwise be
laundered by the next entry into a chain that verifies. The one disagreement that is
healed is a crash between the two writes: exactly one entry more than the head, chained
to the head's hash (nothing is hidden by accepting it).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vulnhound.errors import VulnhoundError
from vulnhound.output import write_atomic

GENESIS = "0" * 64
DEFAULT_LEDGER = Path(".vulnhound") / "ledger.jsonl"
HEAD_SUFFIX = ".head"
# Fields every entry carries (besides seq, prev and hash), in the order of the docs.
ENTRY_FIELDS = (
    "time",
    "decision",  # sent | blocked | planned | failed
    "model",
    "zone",
    "endpoint_host",
    "purpose",
    "unit_id",
    "files",  # [{"path": ..., "lines": [start, end]}]
    "bytes",
    "sha256",
    "redactions",
    "reason",
)


class LedgerError(VulnhoundError):
    """The ledger cannot be read or appended to (damaged tail, unwritable directory)."""


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def head_path(path: Path) -> Path:
    return path.with_name(path.name + HEAD_SUFFIX)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Ledger:
    """Appends entries to one ledger file; safe across threads and processes."""

    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()

    def append(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Add one entry (``time`` filled in when absent); returns it with seq, prev and hash."""
        unknown = set(fields) - set(ENTRY_FIELDS)
        if unknown:
            raise LedgerError(f"{self.path}: unknown ledger field(s) {', '.join(sorted(unknown))}")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a+b") as handle:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                    try:
                        seq, prev, before = self._tail(handle)
                        self._check_head(seq, prev, before)
                        entry: dict[str, Any] = {name: fields.get(name) for name in ENTRY_FIELDS}
                        entry["time"] = fields.get("time") or now_iso()
                        entry["seq"] = seq + 1
                        entry["prev"] = prev
                        entry["hash"] = entry_hash(entry)
                        handle.seek(0, os.SEEK_END)
                        handle.write(canonical(entry) + b"\n")
                        handle.flush()
                        if self.fsync:
                            os.fsync(handle.fileno())
                        head = {"count": entry["seq"], "last_hash": entry["hash"], "ledger": self.path.name}
                        write_atomic(head_path(self.path), json.dumps(head, sort_keys=True) + "\n")
                    finally:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            except OSError as exc:
                raise LedgerError(f"{self.path}: cannot append to ledger: {exc.strerror or exc}") from exc
            return entry

    def check(self) -> None:
        """Raise LedgerError now if the next append would be refused (before a scan starts)."""
        if not self.path.exists():
            self._check_head(0, GENESIS, None)
            return
        try:
            with self.path.open("rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
                try:
                    seq, prev, before = self._tail(handle)
                    self._check_head(seq, prev, before)
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError as exc:
            raise LedgerError(f"{self.path}: cannot read ledger: {exc.strerror or exc}") from exc

    def _check_head(self, seq: int, last_hash: str, last_prev: str | None) -> None:
        """Refuse to continue a ledger that does not end where its head file says."""
        head_file = head_path(self.path)
        advice = (
            "run 'vulnhound audit verify' on it, keep it as evidence, and start a new ledger "
            "(--ledger PATH) before sending more requests"
        )
        try:
            head = json.loads(head_file.read_text(encoding="utf-8"))
            count, head_hash = int(head["count"]), str(head["last_hash"])
        except FileNotFoundError:
            if seq == 0:
                return  # a new ledger
            raise LedgerError(
                f"{self.path}: refusing to append: the head file {head_file.name} is missing, so "
                f"entries cut from the end could not be detected; {advice}"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LedgerError(
                f"{self.path}: refusing to append: head file {head_file.name} is unreadable ({exc}); {advice}"
            ) from exc
        if count == seq and head_hash == last_hash:
            return
        if seq == count + 1 and last_prev == head_hash:
            return  # the last append crashed before its head write: the chain is whole
        if seq < count:
            problem = (
                f"the ledger ends after {seq} entries but its head records {count} (truncated or deleted)"
            )
        elif seq > count:
            problem = (
                f"the ledger has {seq} entries but its head records {count} (entries added outside vulnhound)"
            )
        else:
            problem = "the last entry's hash differs from the head file (ledger rewritten)"
        raise LedgerError(f"{self.path}: refusing to append: {problem}; {advice}")

    def _tail(self, handle: Any) -> tuple[int, str, str | None]:
        """(seq, hash, prev) of the last entry, read from the file under the lock."""
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return 0, GENESIS, None
        chunk = 4096
        data = b""
        position = size
        while position > 0:
            step = min(chunk, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
            if data.count(b"\n") >= 2 or position == 0:
                break
            chunk *= 2
        if not data.endswith(b"\n"):
            raise LedgerError(
                f"{self.path}: the last ledger line is incomplete; run 'vulnhound audit verify' "
                f"and move the damaged ledger away before sending more requests"
            )
        last = data[:-1].rsplit(b"\n", 1)[-1]
        try:
            entry = json.loads(last)
            return int(entry["seq"]), str(entry["hash"]), str(entry["prev"])
        except (ValueError, KeyError, TypeError) as exc:
            raise LedgerError(f"{self.path}: the last ledger entry is unreadable ({exc})") from exc


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok``, or the first bad line and what is wrong with it."""

    ok: bool
    entries: int
    line: int | None = None
    reason: str = ""
    last_hash: str = GENESIS

    def describe(self) -> str:
        if self.ok:
            return f"intact: {self.entries} entries, head {self.last_hash}"
        return f"line {self.line}: {self.reason}"


def read_lines(path: Path) -> list[bytes]:
    """Raw lines including a possibly unterminated last one; OSError propagates."""
    data = path.read_bytes()
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    else:
        lines[-1] = lines[-1] + b"\x00partial"  # marker: no newline at the end
    return lines


def verify(path: Path) -> VerifyResult:
    """Check the chain line by line, then the head file; raises OSError if unreadable."""
    lines = read_lines(path)
    prev = GENESIS
    count = 0
    for number, raw in enumerate(lines, start=1):
        if raw.endswith(b"\x00partial"):
            return VerifyResult(False, count, number, "incomplete last line (no newline): truncated entry")
        if not raw.strip():
            return VerifyResult(False, count, number, "blank line where an entry should be")
        try:
            entry = json.loads(raw)
        except ValueError:
            return VerifyResult(False, count, number, "not valid JSON (edited or cut)")
        if not isinstance(entry, dict) or not all(k in entry for k in ("seq", "prev", "hash")):
            return VerifyResult(False, count, number, "not a ledger entry (seq, prev or hash missing)")
        if entry["seq"] != number:
            return VerifyResult(
                False,
                count,
                number,
                f"sequence number {entry['seq']!r}, expected {number} (entry deleted, inserted or moved)",
            )
        if entry["prev"] != prev:
            return VerifyResult(
                False, count, number, "previous-hash link broken (entry deleted, inserted or moved before it)"
            )
        if entry_hash(entry) != entry["hash"]:
            return VerifyResult(False, count, number, "entry hash mismatch (entry edited)")
        if raw != canonical(entry):
            return VerifyResult(False, count, number, "entry is not in canonical form (edited)")
        prev = entry["hash"]
        count = number
    return _check_head(path, count, prev)


def _check_head(path: Path, count: int, last_hash: str) -> VerifyResult:
    head_file = head_path(path)
    try:
        head = json.loads(head_file.read_text(encoding="utf-8"))
        head_count = int(head["count"])
        head_hash = str(head["last_hash"])
    except FileNotFoundError:
        return VerifyResult(
            False, count, count + 1, f"head file {head_file.name} is missing: truncation cannot be ruled out"
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return VerifyResult(False, count, count + 1, f"head file {head_file.name} is unreadable ({exc})")
    if head_count > count:
        return VerifyResult(
            False,
            count,
            count + 1,
            f"missing entry: the head file records {head_count} entries, the ledger ends after {count} (truncated)",
        )
    if head_count < count:
        return VerifyResult(
            False,
            count,
            head_count + 1,
            f"entry not covered by the head file, which records {head_count} entries (appended afterwards)",
        )
    if head_hash != last_hash:
        return VerifyResult(
            False, count, count, "last entry's hash differs from the head file (ledger rewritten)"
        )
    return VerifyResult(True, count, last_hash=last_hash)


def iter_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Entries that parse as JSON objects (for reports; verify first to trust them)."""
    for raw in read_lines(path):
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry
