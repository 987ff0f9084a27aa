"""Diff scans: analyse the whole program, report only what a change brings.

Taint needs the whole program (a changed helper can open a flow in an untouched caller), so
both sides are scanned in full: the base revision's tree, exported from git into a temporary
folder, and the work tree. A finding of the new side is reported when

* it is **new**: no finding of the old side has its fingerprint (line-independent, so code
  that moved within a file is not new), nor, among the old findings that vanished, the same
  rule on the same line text (so code that moved to another file is not new either); and
* it **touches the change**: its location or a step of its flow lies on a changed line, in a
  function or method that the change edited, or on a line that calls one (a helper that lost
  its check makes its untouched callers' flows new).

Model work follows the same scope: hunting and spec inference look only at changed units, and
triage sees only the findings the diff keeps.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vulnhound.config import Config
from vulnhound.errors import UsageError
from vulnhound.findings import Finding, Location, source_locations
from vulnhound.fingerprints import normalize
from vulnhound.gitdiff import ChangeSet, changes_since, export_tree, repository_of, staged_changes
from vulnhound.hunt.units import extract_units, grammar_available
from vulnhound.sources import SourceFile
from vulnhound.walker import common_root


@dataclass(frozen=True)
class ChangedCode:
    """The change as seen from a scan root: paths are relative to the root, as in findings."""

    changes: ChangeSet
    prefix: str  # the scan root relative to the repository root, POSIX, "" at the top

    def repo_path(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def touches(self, path: str, start: int, end: int) -> bool:
        return self.changes.touches(self.repo_path(path), start, max(start, end))

    def changed_file(self, path: str) -> bool:
        return self.repo_path(path) in self.changes.paths


SourceKey = tuple[str, str]  # (path, the source line's text, whitespace-normalised)


@dataclass(frozen=True)
class OldFinding:
    """A finding of the old side with the line-independent keys of every source reaching it."""

    finding: Finding
    sources: frozenset[SourceKey] = frozenset()


@dataclass(frozen=True)
class DiffScope:
    """What a diff scan reports: findings new against ``base`` that touch ``changed``."""

    changed: ChangedCode
    base: tuple[OldFinding, ...]  # every finding of the old side

    @property
    def label(self) -> str:
        return self.changed.changes.base

    @property
    def notes(self) -> tuple[str, ...]:
        return self.changed.changes.notes

    def select(self, findings: Sequence[Finding], files: Sequence[SourceFile]) -> tuple[list[Finding], int]:
        """(the findings to report, how many were left out as old or outside the change)."""
        by_path = {f.path: f for f in files}

        def text(path: str, line: int) -> str:
            source = by_path.get(path)
            return source.line(line) if source is not None else ""

        edited = _edited_units(files, self.changed)
        touching = [f for f in findings if _touches(f, self.changed, edited, text)]
        new = _new(touching, self.base, text)
        return new, len(findings) - len(new)


def _locations(finding: Finding) -> list[Location]:
    return [finding.location, *(step.location for step in finding.flow)]


@dataclass(frozen=True)
class _EditedUnits:
    """The functions and methods a change edited: their spans per file, and a pattern for
    calls to them (a flow through a call to an edited helper touches the change too)."""

    spans: dict[str, list[tuple[int, int]]]
    calls: re.Pattern[str] | None

    def touch(self, loc: Location, text: Callable[[str, int], str]) -> bool:
        if any(start <= loc.start_line <= end for start, end in self.spans.get(loc.path, ())):
            return True
        return self.calls is not None and self.calls.search(text(loc.path, loc.start_line)) is not None


def _touches(
    finding: Finding, changed: ChangedCode, edited: _EditedUnits, text: Callable[[str, int], str]
) -> bool:
    for loc in _locations(finding):
        if changed.touches(loc.path, loc.start_line, loc.end_line) or edited.touch(loc, text):
            return True
    return False


def _edited_units(files: Sequence[SourceFile], changed: ChangedCode) -> _EditedUnits:
    spans: dict[str, list[tuple[int, int]]] = {}
    names: set[str] = set()
    for source in files:
        if not changed.changed_file(source.path) or not grammar_available(source.language):
            continue
        for unit in extract_units(source):
            if unit.kind == "function" and changed.touches(unit.path, unit.start_line, unit.end_line):
                spans.setdefault(source.path, []).append((unit.start_line, unit.end_line))
                names.add(unit.name.rpartition(".")[2])
    names = {n for n in names if n.isidentifier()}
    calls = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\s*\(") if names else None
    return _EditedUnits(spans, calls)


def _loose_key(finding: Finding) -> tuple[str, str]:
    return finding.rule_id, normalize(finding.snippet or finding.message)


def source_keys(finding: Finding, text: Callable[[str, int], str]) -> frozenset[SourceKey]:
    return frozenset(
        (loc.path, normalize(text(loc.path, loc.start_line))) for loc in source_locations(finding)
    )


def _new(
    findings: Sequence[Finding],
    base: Sequence[OldFinding],
    text: Callable[[str, int], str],
) -> list[Finding]:
    """The findings no old finding accounts for.

    First by fingerprint: an old finding at the same sink is still new when the flow shown
    (one through the change, see the engine's collector) starts at a source the old one was
    not reached from: a new route into an old sink. Then, among the old findings left unmatched (fixed or moved), by rule and line text.
    """
    by_print: dict[str, list[OldFinding]] = {}
    for old in base:
        by_print.setdefault(old.finding.fingerprint, []).append(old)
    unmatched: list[Finding] = []
    new: list[Finding] = []
    for finding in findings:
        olds = by_print.get(finding.fingerprint)
        if not olds:
            unmatched.append(finding)
            continue
        old = olds.pop(0)
        if finding.flow:
            origin = finding.flow[0].location
            key = (origin.path, normalize(text(origin.path, origin.start_line)))
            if key not in old.sources:
                new.append(finding)
    vanished = Counter(_loose_key(old.finding) for olds in by_print.values() for old in olds)
    for finding in unmatched:
        key = _loose_key(finding)
        if vanished[key] > 0:
            vanished[key] -= 1
        else:
            new.append(finding)
    return new


def changed_code(paths: Sequence[str | Path], base: str | None, staged: bool) -> ChangedCode:
    """The change ``--diff BASE`` or ``--diff-staged`` names, as seen from the scan root."""
    if staged == (base is not None):
        raise UsageError("choose one of --diff BASE and --diff-staged")
    targets = [Path(p) for p in paths] or [Path.cwd()]
    root = common_root(targets)
    repo = repository_of(root)
    changes = staged_changes(repo) if staged else changes_since(repo, base or "")
    return ChangedCode(changes, _relative(root, repo))


def _relative(path: Path, repo: Path) -> str:
    resolved = path.resolve()
    if not resolved.is_relative_to(repo):
        raise UsageError(f"--diff: {path} lies outside the repository at {repo}")
    rel = resolved.relative_to(repo).as_posix()
    return "" if rel == "." else rel


def diff_scope(paths: Sequence[str | Path], config: Config, changed: ChangedCode) -> DiffScope:
    """Scan the old side of ``paths`` (the same targets at the base revision) with ``config``.

    The old side runs the configured offline analyzers (no model, no imported results) with the
    new side's rule files, so the two differ by the code alone. Nothing is scanned when no
    changed file lies under the targets.
    """
    from vulnhound.scanner import scan, with_inferred_specs

    targets = [Path(p) for p in paths] or [Path.cwd()]
    repo = changed.changes.repo_root
    relative = [_relative(t, repo) for t in targets]
    if not any(_under(p, r) for p in changed.changes.paths for r in relative):
        return DiffScope(changed, ())
    pinned, _ = with_inferred_specs(config, targets)
    pinned = pinned.replace(
        baseline=None,
        use_inferred_specs=False,
        rule_files=tuple(str(Path(f).resolve()) for f in pinned.rule_files),
    )
    with tempfile.TemporaryDirectory(prefix="vulnhound-base-") as folder:
        tree = Path(folder) / "tree"
        missing = export_tree(repo, changed.changes.base_commit, relative, tree)
        present = [tree / r if r else tree for r in relative if r not in missing]
        if not present:
            return DiffScope(changed, ())
        # one cache record per repository and folder for the old side, whatever the base: the
        # next diff scan re-analyses only what differs from this one's base
        old = scan(present, pinned, cache_identity=f"{repo}@base:{changed.prefix}")
        # paths of the old side are relative to its own root: put them where the new side has them
        old_root = Path(old.root)
        old_prefix = _relative(old_root, tree.resolve())
        lines = _LineReader(old_root)
        base = tuple(
            OldFinding(
                _moved(f, old_prefix, changed.prefix),
                frozenset(
                    (_moved_path(path, old_prefix, changed.prefix), line_text)
                    for path, line_text in source_keys(f, lines.line)
                ),
            )
            for f in old.findings
        )
    return DiffScope(changed, base)


class _LineReader:
    """Lines of the old side's files, read once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = (self.root / path).read_text("utf-8", "replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""


def _under(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def _moved_path(path: str, old_prefix: str, new_prefix: str) -> str:
    if old_prefix == new_prefix:
        return path
    full = f"{old_prefix}/{path}" if old_prefix else path
    if new_prefix and not full.startswith(new_prefix + "/"):
        return "../" + full  # outside the new root: matches no path of the new side
    return full[len(new_prefix) + 1 :] if new_prefix else full


def _moved(finding: Finding, old_prefix: str, new_prefix: str) -> Finding:
    """An old finding with its path under the new side's root. When the roots differ (a target
    missing at the base), fingerprints name other paths: only the line-text match applies."""
    if old_prefix == new_prefix:
        return finding
    path = _moved_path(finding.location.path, old_prefix, new_prefix)
    return replace(finding, location=replace(finding.location, path=path), fingerprint="")
