"""Attributing the paths other tools write to the files vulnhound scanned."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path


class PathIndex:
    """Maps the paths tools write (absolute, relative to another cwd, ``./x``) to scanned paths.

    Exact relative path first, then an absolute path under the scanned root, then the longest
    scanned path that the tool's path ends with at a directory boundary.
    """

    def __init__(self, root: Path, paths: Iterable[str]) -> None:
        self.root = posixpath.normpath(root.resolve().as_posix())
        self.paths = set(paths)
        self.by_name: dict[str, list[str]] = {}
        for path in self.paths:
            self.by_name.setdefault(posixpath.basename(path), []).append(path)

    def resolve(self, raw: str) -> str | None:
        path = posixpath.normpath(raw.replace("\\", "/"))
        if path in self.paths:
            return path
        if path.startswith("/"):
            real = posixpath.normpath(os.path.realpath(path)) if not path.startswith(self.root) else path
            if real.startswith(self.root + "/"):
                rel = real[len(self.root) + 1 :]
                if rel in self.paths:
                    return rel
        suffixes = [p for p in self.by_name.get(posixpath.basename(path), []) if path.endswith("/" + p)]
        return max(suffixes, key=len) if suffixes else None
