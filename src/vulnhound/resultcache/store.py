"""The result cache on disk: SQLite in the user's cache folder, keyed by what decides a result.

A per-file entry's key hashes the analyzer, vulnhound's own code and rule data (every file of
the installed package, so an upgrade or a local edit invalidates everything), the settings
that change an analysis, the file's path and its content. A whole-program entry (the taint
engine) is keyed the same way without the file, per scan root, and records each file's hash.

The file lives outside any scanned tree, where a scanned repository cannot plant entries, and
a damaged file is replaced: a cache only ever costs speed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from vulnhound.config import Config
from vulnhound.userdirs import cache_dir

FILE_NAME = "results.sqlite"
KEEP_DAYS = 30  # entries unused this long are dropped when the cache is opened
_CODE_SUFFIXES = {".py", ".toml", ".json", ".yaml", ".yml", ".scm", ".txt"}


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@cache
def code_fingerprint() -> str:
    """A hash of every source and data file of the installed vulnhound package."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in _CODE_SUFFIXES and p.is_file()):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def settings_key(config: Config) -> str:
    """The settings that change what an analyzer reports (thresholds and filters apply later)."""
    rule_files = []
    for name in config.rule_files:
        try:
            rule_files.append([name, hashlib.sha256(Path(name).read_bytes()).hexdigest()])
        except OSError:
            rule_files.append([name, "unreadable"])
    return json.dumps([config.taint_parameters, repr(config.contexts), rule_files], sort_keys=True)


def scope_key(analyzer: str, config: Config) -> str:
    return digest("v1", code_fingerprint(), analyzer, settings_key(config))


class ResultStore:
    """Get and put JSON records; opening never fails a scan (a broken file is replaced)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, data TEXT, used REAL)")
        db.execute("DELETE FROM records WHERE used < ?", (time.time() - KEEP_DAYS * 86400,))
        db.commit()
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The records found (a locked or damaged database reads as empty)."""
        try:
            return self._get_many(keys)
        except sqlite3.Error:
            return {}

    def _get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, data FROM records WHERE key IN ({marks})", chunk)
            for key, data in rows:
                try:
                    found[key] = json.loads(data)
                except ValueError:
                    continue
        if found:
            now = time.time()
            self._db.executemany("UPDATE records SET used = ? WHERE key = ?", [(now, k) for k in found])
            self._db.commit()
        return found

    def get(self, key: str) -> Any:
        return self.get_many([key]).get(key)

    def put_many(self, records: Mapping[str, Any]) -> None:
        """Store the records; a failed write (a full disk, a lock held too long) is dropped."""
        if not records:
            return
        now = time.time()
        rows = [(key, json.dumps(value, separators=(",", ":")), now) for key, value in records.items()]
        try:
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", rows)
            self._db.commit()
        except sqlite3.Error:
            self._db.rollback()

    def close(self) -> None:
        self._db.close()
