"""A persistent response cache in SQLite, so a re-scan of unchanged code sends nothing.

The key is the SHA-256 of the model's identity (provider, endpoint, model id), the
canonical JSON of the payload the provider built (prompt, schema and parameters) and the
structured-output flag. Only answers that passed schema validation are stored. The file
lives at ``.vulnhound/cache.sqlite`` under the scan root, beside the ledger, so that it
travels (or not) with the project's other vulnhound state and is easy to delete.

That folder is inside the scanned tree, which is untrusted: a repository could ship a cache
whose "answers" dismiss its own findings. Every entry is therefore signed with the user's key
(:func:`vulnhound.userdirs.signing_key`, outside the tree); an entry whose signature does not
verify is ignored as if absent.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vulnhound.models.config import ModelConfig
from vulnhound.userdirs import sign, signing_key, verify

DEFAULT_NAME = Path(".vulnhound") / "cache.sqlite"


def cache_key(config: ModelConfig, payload: Mapping[str, Any], structured: bool) -> str:
    identity = [config.provider, config.base_url, config.model, config.model_path, structured]
    canonical = json.dumps([identity, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Thread-safe get/put of validated answers; a broken cache file is replaced, never fatal."""

    def __init__(self, path: Path, key: bytes | None = None) -> None:
        self.path = path
        self.key = key if key is not None else signing_key()
        self.rejected = 0  # entries read back whose signature did not verify
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # a corrupt cache is only lost speed
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        columns = {row[1] for row in db.execute("PRAGMA table_info(responses)")}
        if columns and "mac" not in columns:  # a cache from before signing: unverifiable
            db.execute("DROP TABLE responses")
        db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT, data TEXT,"
            " tokens_in INTEGER, tokens_out INTEGER, created REAL, mac TEXT)"
        )
        db.commit()
        return db

    def get(self, key: str) -> tuple[dict[str, Any], int, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data, tokens_in, tokens_out, mac FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if not isinstance(row[3], str) or not verify(
            self.key, row[3], key, str(row[0]), str(row[1]), str(row[2])
        ):
            self.rejected += 1
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            return None
        return (data, int(row[1]), int(row[2])) if isinstance(data, dict) else None

    def put(self, key: str, model: str, data: Mapping[str, Any], tokens_in: int, tokens_out: int) -> None:
        text = json.dumps(data, sort_keys=True)
        mac = sign(self.key, key, text, str(tokens_in), str(tokens_out))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, model, text, tokens_in, tokens_out, time.time(), mac),
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
