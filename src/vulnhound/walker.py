"""Walking scan targets: which files to read, and which to skip with a reason.

Respects ``.gitignore`` files (each applies below its own directory), default excludes
(VCS folders, virtualenvs, node_modules, build output), and include/exclude globs in
gitignore syntax. Symlinks are followed only while they stay inside the root; loops and
escapes are recorded, never followed.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec
from pathspec.pattern import Pattern

from vulnhound.languages import language_from_extension, language_from_shebang
from vulnhound.sources import Skipped, SkipReason

Spec = pathspec.PathSpec[Pattern]

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    ".venv/",
    "venv/",
    ".env/",
    "env/",
    ".tox/",
    ".nox/",
    "node_modules/",
    "bower_components/",
    "__pycache__/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    "build/",
    "dist/",
    "*.egg-info/",
    ".eggs/",
    "site-packages/",
    ".vulnhound/",
    ".ipynb_checkpoints/",  # copies of notebooks the tree already has
    # Generated HTML (Sphinx and Jekyll output, coverage reports): copies of sources the tree
    # already has, megabytes of inline JS and sample credentials per page.
    "_build/",
    "_site/",
    "htmlcov/",
    # Generated lock files: large, and their hashes look like secrets.
    "package-lock.json",
    "npm-shrinkwrap.json",
)


_EXCLUDED_DIRS = frozenset(p[:-1] for p in DEFAULT_EXCLUDES if p.endswith("/") and "*" not in p)
_EXCLUDED_DIR_GLOBS = tuple(p[:-1] for p in DEFAULT_EXCLUDES if p.endswith("/") and "*" in p)
_EXCLUDED_FILES = frozenset(p for p in DEFAULT_EXCLUDES if not p.endswith("/"))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file chosen for analysis, not yet read."""

    path: str  # relative to the root, POSIX
    absolute_path: Path
    language: str


@dataclass
class WalkResult:
    root: Path
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _spec(patterns: Iterable[str]) -> Spec:
    # GitIgnoreSpec follows git's own rules (e.g. re-including files below an excluded dir).
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def _real(target: Path) -> Path:
    """Where a target really is: a target the user names is followed even if it is a link.

    A missing, dangling or looping one keeps its name, in its real directory.
    """
    absolute = Path(os.path.abspath(target))
    try:
        return absolute.resolve(strict=True)
    except (OSError, RuntimeError):
        return absolute.parent.resolve() / absolute.name


def repository_root(root: Path) -> str:
    """The nearest folder at or above ``root`` that holds ``.git`` (a folder, or a file in a
    worktree or submodule); "" outside any repository."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return str(folder)
    return ""


def common_root(targets: Sequence[Path]) -> Path:
    """The directory that relative paths in findings are relative to."""
    resolved = [_real(t) for t in targets]
    if len(resolved) == 1:
        only = resolved[0]
        return only if only.is_dir() else only.parent
    parents = [r if r.is_dir() else r.parent for r in resolved]
    return Path(os.path.commonpath([str(p) for p in parents]))


class _Walker:
    def __init__(
        self,
        root: Path,
        include: Sequence[str],
        exclude: Sequence[str],
        respect_gitignore: bool,
        ignore_paths: Sequence[Path] = (),
    ) -> None:
        self.root = root
        self.include = _spec(include) if include else None
        # The defaults name folders and files wherever they are: a lookup of the entry's own
        # name decides them (the walk never enters an excluded folder), the user's patterns
        # go through the full gitignore matcher.
        self.exclude = _spec(exclude) if exclude else None
        self.ignore_paths = frozenset(_real(p) for p in ignore_paths)
        self._ignore_names = frozenset(p.name for p in self.ignore_paths)
        self.respect_gitignore = respect_gitignore
        self.result = WalkResult(root)
        self._seen_dirs: set[tuple[int, int]] = set()
        # Links to places inside the root wait until the real tree is walked: what the
        # walk reaches under its real path is analysed there, once, and not again.
        self._deferred_links: list[tuple[Path, str, list[tuple[str, Spec]], Path]] = []

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _inside_root(self, resolved: Path) -> bool:
        return resolved == self.root or self.root in resolved.parents

    def _skip(self, rel: str, reason: SkipReason, detail: str) -> None:
        self.result.skipped.append(Skipped(rel, reason, detail))

    def _gitignore(self, directory: Path) -> Spec | None:
        if not self.respect_gitignore:
            return None
        ignore_file = directory / ".gitignore"
        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        return _spec(lines) if lines else None

    def _ignored(self, rel: str, is_dir: bool, ignores: list[tuple[str, Spec]]) -> bool:
        name = rel.rpartition("/")[2]
        if name in (_EXCLUDED_DIRS if is_dir else _EXCLUDED_FILES) or (
            is_dir and any(fnmatch.fnmatchcase(name, glob) for glob in _EXCLUDED_DIR_GLOBS)
        ):
            return True
        probe = rel + "/" if is_dir else rel
        if self.exclude is not None and self.exclude.match_file(probe):
            return True
        for base, spec in ignores:
            sub = probe[len(base) + 1 :] if base else probe
            if spec.match_file(sub):
                return True
        return False

    def walk_directory(self, directory: Path, ignores: list[tuple[str, Spec]]) -> None:
        try:
            stat = directory.stat()
        except OSError as exc:
            self._skip(self._relative(directory) or ".", SkipReason.UNREADABLE, str(exc))
            return
        key = (stat.st_dev, stat.st_ino)
        if key in self._seen_dirs:
            self._skip(self._relative(directory), SkipReason.SYMLINK_LOOP, "directory already visited")
            return
        self._seen_dirs.add(key)
        rel_dir = "" if directory == self.root else self._relative(directory)
        spec = self._gitignore(directory)
        if spec is not None:
            ignores = [*ignores, (rel_dir, spec)]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            self._skip(rel_dir or ".", SkipReason.UNREADABLE, exc.strerror or str(exc))
            return
        for entry in entries:
            self._visit(directory / entry.name, entry, ignores)

    def _visit(self, path: Path, entry: os.DirEntry[str], ignores: list[tuple[str, Spec]]) -> None:
        rel = self._relative(path)
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            self._skip(rel, SkipReason.UNREADABLE, str(exc))
            return
        if self._ignored(rel, is_dir, ignores):
            return
        if is_link:
            self._visit_symlink(path, rel, ignores)
        elif is_dir:
            self.walk_directory(path, ignores)
        elif entry.is_file(follow_symlinks=False):
            self.add_file(path, rel)

    def _visit_symlink(self, path: Path, rel: str, ignores: list[tuple[str, Spec]]) -> None:
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            self._skip(rel, SkipReason.SYMLINK_LOOP, "symbolic link loop")
            return
        except OSError as exc:
            if exc.errno == 40:  # ELOOP
                self._skip(rel, SkipReason.SYMLINK_LOOP, "symbolic link loop")
            else:
                self._skip(rel, SkipReason.NOT_FOUND, f"broken symbolic link: {exc.strerror}")
            return
        if not self._inside_root(target):
            self._skip(
                rel,
                SkipReason.SYMLINK_OUTSIDE_ROOT,
                f"symbolic link points outside the scan root to {target}",
            )
            return
        if target.is_dir():
            if self._ignored(rel, True, ignores):
                return
            if target == self.root or target in path.parents or target in self.root.parents:
                self._skip(rel, SkipReason.SYMLINK_LOOP, f"symbolic link to an enclosing directory {target}")
                return
        self._deferred_links.append((path, rel, ignores, target))

    def walk_deferred_links(self) -> None:
        """Follow in-root links whose target the walk did not reach by its real path."""
        file_keys: set[tuple[int, int]] | None = None
        while self._deferred_links:
            path, rel, ignores, target = self._deferred_links.pop(0)
            try:
                stat = target.stat()
            except OSError as exc:
                self._skip(rel, SkipReason.UNREADABLE, exc.strerror or str(exc))
                continue
            key = (stat.st_dev, stat.st_ino)
            if target.is_dir():
                if key not in self._seen_dirs:
                    # Walk under the link's own path, so findings keep the path the user sees.
                    self.walk_directory(path, ignores)
            elif target.is_file():
                if file_keys is None:
                    file_keys = {_file_key(c.absolute_path) for c in self.result.candidates}
                if key not in file_keys:
                    file_keys.add(key)
                    self.add_file(path, rel)

    def _is_ignored_path(self, path: Path) -> bool:
        """One of ``ignore_paths`` (by real path; the name is checked first, as it is cheap)."""
        return path.name in self._ignore_names and (
            path in self.ignore_paths or _real(path) in self.ignore_paths
        )

    def add_file(self, path: Path, rel: str, explicit: bool = False) -> None:
        if not explicit and self.include is not None and not self.include.match_file(rel):
            return
        if self._is_ignored_path(path):
            return
        language = language_from_extension(path.name)
        if language is None and "." not in path.name:
            try:
                with path.open("rb") as handle:
                    language = language_from_shebang(handle.read(256))
            except OSError as exc:
                self._skip(rel, SkipReason.UNREADABLE, exc.strerror or str(exc))
                return
        if language is None:
            if explicit:  # the user named it: say why it was not analysed
                self._skip(rel, SkipReason.UNSUPPORTED_LANGUAGE, "no analyzer reads files of this kind")
            return  # not source code of any language we know: not ours to analyse
        self.result.candidates.append(Candidate(rel, path, language))


def walk(
    targets: Sequence[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    ignore_paths: Sequence[Path | str] = (),
) -> WalkResult:
    """Find candidate files under the targets. Missing targets are skips, not exceptions;
    ``ignore_paths`` (the scan's own baseline and reports) are left out without a record."""
    root = common_root(targets) if targets else Path.cwd().resolve()
    walker = _Walker(root, include, exclude, respect_gitignore, [Path(p) for p in ignore_paths])
    for target in targets:
        absolute = _real(target)
        rel = absolute.relative_to(root).as_posix() if absolute != root else "."
        if absolute.is_symlink():  # still a link: it loops or dangles; record which
            walker._visit_symlink(absolute, rel, [])
        elif not absolute.exists():
            walker._skip(rel, SkipReason.NOT_FOUND, "no such file or directory")
        elif absolute.is_dir():
            walker.walk_directory(absolute, _parent_gitignores(walker, absolute))
        else:
            walker.add_file(absolute, rel, explicit=True)
    walker.walk_deferred_links()
    result = walker.result
    result.candidates.sort(key=lambda c: c.path)
    return result


def _file_key(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_dev, stat.st_ino)


def _parent_gitignores(walker: _Walker, directory: Path) -> list[tuple[str, Spec]]:
    """Ignore files between the root and a target directory below it also apply."""
    ignores: list[tuple[str, Spec]] = []
    if directory == walker.root:
        return ignores
    for parent in reversed(directory.relative_to(walker.root).parents):
        here = walker.root / parent
        spec = walker._gitignore(here)
        if spec is not None:
            rel = "" if here == walker.root else here.relative_to(walker.root).as_posix()
            ignores.append((rel, spec))
    return ignores
