"""Per-user state outside any scanned tree: the cache folder and the key that signs caches.

A scanned repository is untrusted: it can ship a ``.vulnhound/`` folder of its own. Whatever
vulnhound reads back from a cache must therefore be either kept out of the tree or signed
with a key the repository cannot know. The key lives in the user's cache folder, created on
first use with owner-only permissions.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from hashlib import sha256
from pathlib import Path

SECRET_NAME = "cache-signing.key"


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$VULNHOUND_CACHE_DIR``, else ``$XDG_CACHE_HOME/vulnhound``, else ``~/.cache/vulnhound``."""
    env = os.environ if environ is None else environ
    if env.get("VULNHOUND_CACHE_DIR"):
        return Path(env["VULNHOUND_CACHE_DIR"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "vulnhound"


def signing_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The user's cache-signing key (32 random bytes), made on first use (mode 0600)."""
    path = cache_dir(environ) / SECRET_NAME
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    temp = path.with_name(f".{SECRET_NAME}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    try:
        os.link(temp, path)  # first writer wins: two processes agree on one key
    except FileExistsError:
        key = path.read_bytes()
    finally:
        temp.unlink(missing_ok=True)
    return key


def sign(key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, sha256).hexdigest()


def verify(key: bytes, mac: str, *parts: str) -> bool:
    return hmac.compare_digest(sign(key, *parts), mac)
