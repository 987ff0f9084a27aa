"""What a change touches, read from git: the lines changed since a base revision.

Diff scans (``scan --diff BASE``, ``--diff-staged``) report only what a change brings, so
they need the changed lines of the new version of every file and the old version of the
tree. Git is run as a subprocess with argument lists (never a shell), with options that
keep user configuration (external diff drivers, colours, path quoting) out of its output.
"""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vulnhound.errors import UsageError

# git's well-known empty tree: the base of a repository's very first commit
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_DATA_FILTER = hasattr(tarfile, "data_filter")
_GIT = ("git", "-c", "core.quotepath=off", "-c", "diff.noprefix=false", "-c", "color.ui=false")


@dataclass(frozen=True)
class ChangeSet:
    """Lines changed between a base revision and the work tree (or the index).

    Paths are POSIX paths relative to the repository root. ``lines`` holds, per changed file,
    the lines of its new version that were added or edited, plus the lines on both sides of a
    deletion (a removed check leaves no line of its own). Files in ``whole`` are new, so every
    line counts as changed.
    """

    base: str  # what was compared, for reports: "main (merge base 1a2b3c4d)", "staged changes"
    base_commit: str  # the tree-ish whose files are the old side
    repo_root: Path
    lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    whole: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(self.lines) | self.whole

    def touches(self, path: str, start: int, end: int) -> bool:
        """Whether lines ``start``..``end`` of ``path`` (repository-relative) changed."""
        if path in self.whole:
            return True
        changed = self.lines.get(path)
        if not changed:
            return False
        if end - start < len(changed):
            return any(line in changed for line in range(start, end + 1))
        return any(start <= line <= end for line in changed)


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run([*_GIT, "-C", str(repo), *args], capture_output=True, check=False, timeout=600)
    except FileNotFoundError:
        raise UsageError("diff scans need git, and git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {' '.join(args[:2])} took more than 10 minutes in {repo}") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise UsageError(f"git {' '.join(args[:2])} failed in {repo}: {message}")
    return done


def repository_of(target: Path) -> Path:
    """The work tree's top folder for ``target``; a usage error outside any repository."""
    folder = target if target.is_dir() else target.parent
    done = _git(folder.resolve(), "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise UsageError(f"--diff needs a git repository, and {target} is not inside one")
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def _commit(repo: Path, revision: str) -> str | None:
    done = _git(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False
    )
    if done.returncode != 0:
        return None
    return done.stdout.decode().strip() or None


def _shallow(repo: Path) -> bool:
    done = _git(repo, "rev-parse", "--is-shallow-repository", check=False)
    return done.stdout.decode().strip() == "true"


def resolve_base(repo: Path, revision: str) -> tuple[str, str, list[str]]:
    """(label, commit, notes) for ``--diff REVISION``: the merge base of REVISION and HEAD, so
    a branch is compared with where it started, not with what landed on REVISION since."""
    if not revision or revision.startswith("-"):
        raise UsageError(f"--diff: {revision!r} is not a git revision")
    commit = _commit(repo, revision)
    if commit is None:
        hint = (
            " This is a shallow clone: fetch the base first, e.g. "
            f"`git fetch --no-tags --depth=50 origin {revision}` (or check out with fetch-depth: 0)."
            if _shallow(repo)
            else ""
        )
        raise UsageError(f"--diff: revision '{revision}' is not in the repository at {repo}.{hint}")
    head = _commit(repo, "HEAD")
    if head is None:
        return revision, commit, []
    done = _git(repo, "merge-base", commit, head, check=False)
    merge_base = done.stdout.decode().strip()
    if done.returncode != 0 or not merge_base:
        note = (
            f"diff: no merge base of {revision} and HEAD"
            + (" (shallow clone)" if _shallow(repo) else "")
            + f"; compared with {revision} itself"
        )
        return revision, commit, [note]
    if merge_base == commit:
        return f"{revision} ({commit[:12]})", commit, []
    return f"{revision} (merge base {merge_base[:12]})", merge_base, []


def _unquote(name: str) -> str:
    """A path as git prints it in a diff header (C-quoted when it holds odd characters)."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace")
    return raw.decode("unicode_escape").encode("latin-1").decode("utf-8", "surrogateescape")


def parse_unified_diff(text: str) -> dict[str, frozenset[int]]:
    """Changed lines per new path from ``git diff -U0`` output (deleted files are left out)."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            current = None if name == "/dev/null" else changed.setdefault(name[2:], set())
        elif line.startswith("@@ ") and current is not None:
            new = line.split(" ")[2]  # "+start[,count]"
            start_text, _, count_text = new[1:].partition(",")
            start, count = int(start_text), int(count_text or "1")
            if count == 0:  # a pure deletion after line `start`: the lines around it
                current.update(n for n in (start, start + 1) if n > 0)
            else:
                current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items()}


def changes_since(repo: Path, revision: str) -> ChangeSet:
    """The work tree's changes since ``revision``'s merge base, untracked files included."""
    label, commit, notes = resolve_base(repo, revision)
    return _changes(repo, label, commit, ["diff", commit], notes, untracked=True)


def staged_changes(repo: Path) -> ChangeSet:
    """The changes staged for the next commit (against HEAD, or nothing before a first commit)."""
    head = _commit(repo, "HEAD") or EMPTY_TREE
    return _changes(repo, "staged changes", head, ["diff", "--cached", head], [], untracked=False)


def _changes(
    repo: Path, label: str, commit: str, command: list[str], notes: list[str], untracked: bool
) -> ChangeSet:
    options = ["-U0", "--no-ext-diff", "--no-textconv", "--find-renames", "--diff-filter=ACMRT"]
    done = _git(repo, *command[:-1], *options, command[-1], "--")
    lines = parse_unified_diff(done.stdout.decode("utf-8", "surrogateescape"))
    whole: set[str] = set()
    if untracked:
        others = _git(repo, "ls-files", "--others", "--exclude-standard", "-z")
        whole = {p for p in others.stdout.decode("utf-8", "surrogateescape").split("\0") if p}
    return ChangeSet(label, commit, repo, lines, frozenset(whole), tuple(notes))


def export_tree(repo: Path, commit: str, paths: Sequence[str], destination: Path) -> list[str]:
    """Write the files of ``paths`` (repository-relative; "" for all) at ``commit`` under
    ``destination``; return the paths that do not exist at that commit.

    Extraction takes regular files and folders only: a link or a name that would leave
    ``destination`` in a hostile history is dropped, never followed.
    """
    present = [p for p in paths if not p or _exists(repo, commit, p)]
    missing = [p for p in paths if p not in present]
    if not present or commit == EMPTY_TREE:
        return list(paths) if commit == EMPTY_TREE else missing
    archive = destination.parent / f"{destination.name}.tar"
    with archive.open("wb") as sink:
        done = subprocess.run(
            [*_GIT, "-C", str(repo), "archive", "--format=tar", commit, "--", *(p or "." for p in present)],
            stdout=sink,
            stderr=subprocess.PIPE,
            check=False,
            timeout=600,
        )
    if done.returncode != 0:
        raise UsageError(f"git archive failed in {repo}: {done.stderr.decode('utf-8', 'replace').strip()}")
    destination.mkdir(parents=True, exist_ok=True)
    root = destination.resolve()
    with tarfile.open(archive) as tar:
        for member in tar:
            target = (root / member.name).resolve()
            if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
                continue
            if _DATA_FILTER:  # Python 3.11.4+: the library's own check as well
                tar.extract(member, root, set_attrs=False, filter="data")
            else:
                tar.extract(member, root, set_attrs=False)
    archive.unlink()
    return missing


def _exists(repo: Path, commit: str, path: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{commit}:{path}", check=False).returncode == 0
