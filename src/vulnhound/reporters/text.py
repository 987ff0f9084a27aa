"""Terminal report (placeholder until the rich reporter lands)."""

from __future__ import annotations

from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult


def render_text(result: ScanResult, options: ReportOptions) -> str:
    lines = [
        f"{f.location.path}:{f.location.start_line} {f.severity} {f.rule_id} {f.message}"
        for f in result.active
    ]
    lines += [f"not analysed: {s.path}: {s.reason}: {s.detail}" for s in result.skipped]
    lines.append(f"{len(result.active)} finding(s) in {result.files_analyzed} file(s)")
    return "\n".join(lines)
