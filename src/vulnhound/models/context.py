"""Code context for a finding: the enclosing function, the taint path and the functions on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vulnhound.findings import Finding
from vulnhound.guard.interface import CodeSpan
from vulnhound.hunt.units import CodeUnit, enclosing_unit, extract_units
from vulnhound.models.prompts import numbered
from vulnhound.sources import SourceFile

WINDOW = 15  # lines around a finding outside any function
MAX_CONTEXT_LINES = 400


@dataclass(frozen=True)
class Block:
    label: str
    path: str
    start_line: int
    end_line: int
    code: str  # numbered lines

    @property
    def span(self) -> CodeSpan:
        return CodeSpan(self.path, self.start_line, self.end_line)


class ContextBuilder:
    """Caches each file's units; builds the blocks of code a model sees for a finding."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        self.files = {f.path: f for f in files}
        self._units: dict[str, list[CodeUnit]] = {}

    def units(self, path: str) -> list[CodeUnit]:
        if path not in self._units:
            source = self.files.get(path)
            self._units[path] = extract_units(source) if source is not None else []
        return self._units[path]

    def block_at(self, path: str, line: int, label: str) -> Block | None:
        source = self.files.get(path)
        if source is None:
            return None
        unit = enclosing_unit(self.units(path), line)
        if unit is not None:
            return Block(
                f"{label}: {unit.name} in {path}",
                path,
                unit.start_line,
                unit.end_line,
                numbered(unit.lines, unit.start_line),
            )
        start = max(1, line - WINDOW)
        end = min(len(source.lines), line + WINDOW)
        return Block(f"{label}: {path}", path, start, end, numbered(source.lines[start - 1 : end], start))

    def for_finding(self, finding: Finding) -> list[Block]:
        """Enclosing function first, then the functions on the taint path, each once."""
        blocks: list[Block] = []
        seen: set[tuple[str, int, int]] = set()
        total = 0
        anchors = [(finding.location.path, finding.location.start_line, "finding")]
        anchors += [(s.location.path, s.location.start_line, "on the taint path") for s in finding.flow]
        for path, line, label in anchors:
            block = self.block_at(path, line, label)
            if block is None or (block.path, block.start_line, block.end_line) in seen:
                continue
            size = block.end_line - block.start_line + 1
            if blocks and total + size > MAX_CONTEXT_LINES:
                break
            seen.add((block.path, block.start_line, block.end_line))
            blocks.append(block)
            total += size
        return blocks
