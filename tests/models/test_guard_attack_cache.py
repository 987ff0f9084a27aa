"""A scanned repository cannot answer for the model: a response cache it ships (in its own
`.vulnhound/`) is signed with someone else's key, so its entries are ignored and the model is
asked again."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from vulnhound.models.cache import ResponseCache

from .servers import ScriptedServer, hunting_brain
from .test_cli import APP, config_text

ATTACKER = {"VULNHOUND_CACHE_DIR": "attacker-cache"}
VICTIM = {"VULNHOUND_CACHE_DIR": "victim-cache"}


def test_entries_signed_with_another_key_are_misses(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    mine, theirs = b"k" * 32, b"x" * 32
    planted = ResponseCache(path, key=theirs)
    planted.put("request-1", "m", {"findings": []}, 10, 2)
    planted.close()
    cache = ResponseCache(path, key=mine)
    assert cache.get("request-1") is None and cache.rejected == 1
    cache.put("request-1", "m", {"findings": [1]}, 10, 2)
    assert cache.get("request-1") == ({"findings": [1]}, 10, 2)
    cache.close()
    # a forged row: right key, data changed after signing
    with sqlite3.connect(path) as db:
        db.execute("UPDATE responses SET data = ? WHERE key = ?", (json.dumps({"findings": []}), "request-1"))
    again = ResponseCache(path, key=mine)
    assert again.get("request-1") is None and again.rejected == 1
    again.close()


def test_an_unsigned_cache_from_an_older_version_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT, data TEXT,"
            " tokens_in INTEGER, tokens_out INTEGER, created REAL)"
        )
        db.execute("INSERT INTO responses VALUES ('r', 'm', '{}', 1, 1, 0)")
    cache = ResponseCache(path, key=b"k" * 32)
    assert cache.get("r") is None
    cache.close()


def test_a_shipped_cache_cannot_dismiss_the_repositorys_findings(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    """The attacker scans their own copy of the repository against the same model (same
    provider, URL and model id, so the same request keys) with a model that reports nothing,
    and ships the resulting `.vulnhound/cache.sqlite`; the victim's scan asks its model again."""
    with ScriptedServer("openai", hunting_brain({})) as server:
        root = write_tree(
            tmp_path / "repo", {**APP, "vulnhound.toml": config_text(("glm", "openai", server.url))}
        )
        args = ("scan", root, "--model", "glm", "--hunt", "--count-unverified", "-f", "json")
        planted = cli(*args, env=ATTACKER, cwd=tmp_path)
        assert planted.returncode in (0, 1), planted.stderr
        planted_requests = server.count
        assert planted_requests > 0 and (root / ".vulnhound" / "cache.sqlite").is_file()
        server.brain = hunting_brain({"os.system": "CWE-78"})
        replay = cli(*args, env=ATTACKER, cwd=tmp_path)  # control: the attacker's own key hits
        assert server.count == planted_requests, "the request keys must match for this attack"
        assert not any(f["rule_id"] == "model/CWE-78" for f in json.loads(replay.stdout)["findings"])
        victim = cli(*args, env=VICTIM, cwd=tmp_path)
        asked = server.count - planted_requests
    assert asked == planted_requests, "the victim's scan must ask its own model for every unit"
    doc = json.loads(victim.stdout)
    assert any(f["rule_id"] == "model/CWE-78" for f in doc["findings"]), doc["findings"]
