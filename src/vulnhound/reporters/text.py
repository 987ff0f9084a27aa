"""Terminal report: findings grouped by severity, what was not analysed, and a summary line.

Rendered with rich into a string. The console ignores the environment (NO_COLOR,
FORCE_COLOR, COLUMNS...) so the output depends on the result and options only; the CLI
decides about colour. Scanned text goes in as ``Text`` objects, never as markup, so a
message containing ``[bold]`` or an escape sequence cannot restyle the report.
"""

from __future__ import annotations

from io import StringIO

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from vulnhound.findings import CodeContext, Finding, Severity
from vulnhound.reporters._common import (
    SEVERITIES,
    TEXT_ONLY_NOTE,
    Agreement,
    agreements,
    clean,
    context_summary,
    coverage_parts,
    files_not_analysed,
    location_text,
    ordered,
    ordered_skipped,
    plural,
    skipped_by_reason,
    text_only_languages,
)
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold cyan",
    Severity.INFO: "bold blue",
}

# Above this many skipped entries the "Not analysed" list is grouped by reason.
GROUP_SKIPPED_ABOVE = 5

MIN_WIDTH = 40
# Quoted code sits behind a gutter, indented under its finding; a line too long for the width
# continues on the next row behind the same gutter, marked as a continuation.
GUTTER = "\u2502 "
CONTINUED = "\u21aa "
SNIPPET_INDENT = 6  # the finding's indent (2) and its details' (4)


def render_text(result: ScanResult, options: ReportOptions) -> str:
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=options.color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if options.color else None,
        no_color=not options.color,
        width=max(options.width, MIN_WIDTH),
        markup=False,
        emoji=False,
        highlight=False,
        legacy_windows=False,
        _environ={},
    )
    for block in _blocks(result, options):
        console.print(block)
    # Padding fills lines to the block's width; trailing blanks are noise in logs and diffs.
    return "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))


def _blocks(result: ScanResult, options: ReportOptions) -> list[RenderableType]:
    blocks: list[RenderableType] = []
    active = ordered(result.active)
    for severity in SEVERITIES:
        group = [f for f in active if f.severity is severity]
        if group:
            title = Text(f" {severity.value.upper()} ({len(group)}) ", style=STYLES[severity])
            blocks.append(Text.assemble("\n", title))
            for f in group:
                blocks += [Text(""), _finding(f, max(options.width, MIN_WIDTH))]
    if options.quiet:  # findings only; but an empty report must not pass for a clean scan
        return blocks + ([Text(""), _summary(result)] if result.nothing_analysed else [])
    suppressed = ordered(result.suppressed)
    if suppressed and options.show_suppressed:
        blocks.append(_heading(f"Suppressed ({len(suppressed)})"))
        blocks.extend(_suppressed(f) for f in suppressed)
    blocks.extend(_not_analysed(result))
    if options.show_unused_suppressions and result.unused_suppressions:
        blocks.append(_heading(f"Unused suppressions ({len(result.unused_suppressions)})"))
        for loc in sorted(result.unused_suppressions):
            blocks.append(Text(f"  {clean(loc.path)}:{loc.start_line}  suppression comment matched nothing"))
    if result.notes:
        blocks.append(_heading("Notes"))
        blocks.extend(Text(f"  - {clean(note)}") for note in result.notes)
    if result.model_usage:
        blocks.append(_heading("Model usage"))
        blocks.append(_usage_table(result))
    for agreement in agreements(result):
        blocks.append(_heading(f"Model agreement (a finding stands when {agreement.threshold} agree)"))
        blocks.append(_agreement_table(agreement))
    blocks.append(Text(""))
    blocks.append(_summary(result))
    return blocks


def _heading(title: str) -> Text:
    return Text.assemble("\n", (title, "bold underline"))


def _finding(f: Finding, width: int) -> RenderableType:
    head = Text.assemble(
        (clean(location_text(f.location)), "bold"),
        "  ",
        (clean(f.rule_id), "magenta"),
        "  ",
        (clean(", ".join(f.cwe)) or "no CWE", "cyan"),
        "  ",
        (f"confidence {f.confidence.value}", "dim"),
    )
    if f.code_context is not CodeContext.PRODUCTION:
        head.append(f"  [{f.code_context.value}]", style="bold dim")
    lines: list[RenderableType] = [head, Padding(Text(clean(f.message)), (0, 0, 0, 4), expand=False)]
    if f.snippet:
        lines.append(Padding(_snippet(f.snippet, width), (0, 0, 0, 4), expand=False))
    if f.flow:
        flow = Text("flow (source \u2192 sink):", style="dim")
        last = len(f.flow)
        for number, step in enumerate(f.flow, start=1):
            role = "source" if number == 1 else "sink" if number == last else ""
            # Engines often say "source: ..." themselves; do not repeat it.
            role = f" ({role})" if role and not step.note.lower().startswith(role) else ""
            flow.append(f"\n  {number}. ")
            flow.append(clean(location_text(step.location)), style="bold")
            flow.append(f"  {clean(step.note)}{role}")
        lines.append(Padding(flow, (0, 0, 0, 4), expand=False))
    if f.triage is not None:
        models = f" by {clean(', '.join(f.triage.models))}" if f.triage.models else ""
        style = {"true_positive": "red", "false_positive": "green"}.get(f.triage.verdict.value, "yellow")
        triage = Text.assemble(
            "triage: ",
            (f.triage.verdict.value.replace("_", " "), style),
            f" ({f.triage.confidence:.2f}{models})",
        )
        if f.triage.rationale:
            triage.append(f": {clean(f.triage.rationale)}")
        lines.append(Padding(triage, (0, 0, 0, 4), expand=False))
    if f.analyzers:
        lines.append(
            Padding(
                Text(f"found by {clean(', '.join(f.analyzers))}", style="dim"), (0, 0, 0, 4), expand=False
            )
        )
    return Padding(Group(*lines), (0, 0, 0, 2), expand=False)


def _snippet(snippet: str, width: int) -> Text:
    """The quoted code, every row behind the gutter. Long lines are folded here, not by rich,
    which would continue them at the margin without the gutter and so look like new lines."""
    first = max(width - SNIPPET_INDENT - cell_len(GUTTER), 10)
    rest = first - cell_len(CONTINUED)
    text = Text(overflow="fold")
    for number, line in enumerate(clean(snippet).expandtabs(4).splitlines() or [""]):
        for piece, chunk in enumerate(_fold(line, first, rest)):
            text.append("\n" if number or piece else "")
            text.append(GUTTER + (CONTINUED if piece else ""), style="dim")
            text.append(chunk)
    return text


def _fold(line: str, first: int, rest: int) -> list[str]:
    """``line`` cut into pieces of at most ``first`` cells, then ``rest`` (wide characters count
    two). Spaces at a cut start the next piece: the report strips them at the end of a row."""
    pieces: list[str] = []
    current = ""
    limit = first
    for char in line:
        if current and cell_len(current) + cell_len(char) > limit:
            kept = current.rstrip(" ") or current
            carried = current[len(kept) :]
            pieces.append(kept if len(carried) < rest else current)
            current, limit = (carried if len(carried) < rest else ""), rest
        current += char
    pieces.append(current)
    return pieces


def _suppressed(f: Finding) -> Text:
    assert f.suppression is not None
    why = f": {f.suppression.justification}" if f.suppression.justification else ""
    return Text(
        clean(f"  {location_text(f.location)}  {f.rule_id}  [{f.suppression.kind.value}{why}]  {f.message}"),
        style="dim",
    )


def _not_analysed(result: ScanResult) -> list[RenderableType]:
    if not (result.skipped or result.unsupported_languages):
        return []
    skipped = files_not_analysed(result)
    blocks: list[RenderableType] = [
        _heading(f"Not analysed ({plural(skipped, 'file')})" if skipped else "Not analysed")
    ]
    if len(result.skipped) > GROUP_SKIPPED_ABOVE:
        for reason, entries in skipped_by_reason(result.skipped).items():
            blocks.append(Text(f"  {reason} ({len(entries)})", style="bold yellow"))
            blocks.extend(_indented(_skip_line(e.path, e.detail, e.analyzer), 4) for e in entries)
    else:
        for entry in ordered_skipped(result.skipped):
            line = _skip_line(entry.path, entry.detail, entry.analyzer, reason=entry.reason.value)
            blocks.append(_indented(line, 2))
    if result.unsupported_languages:
        note = Text(clean(f"{TEXT_ONLY_NOTE}: {text_only_languages(result)}"))
        blocks.append(Padding(note, (0, 0, 0, 2), expand=False))
    return blocks


def _indented(line: str, indent: int) -> RenderableType:
    """A line that wraps under its own start, not at column 0."""
    return Padding(Text(clean(line)), (0, 0, 0, indent), expand=False)


def _skip_line(path: str, detail: str, analyzer: str, reason: str = "") -> str:
    parts = [path]
    if reason:
        parts.append(reason)
    if detail:
        parts.append(detail)
    line = ": ".join(parts)
    return f"{line} [{analyzer}]" if analyzer else line


def _agreement_table(agreement: Agreement) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 2), header_style="bold")
    table.add_column("")
    for model in agreement.models:
        table.add_column(clean(model), justify="right")
    for model, row in zip(agreement.models, agreement.matrix, strict=True):
        table.add_row(Text(clean(model)), *(str(c) for c in row))
    return table


def _usage_table(result: ScanResult) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 2), header_style="bold")
    for column in ("model", "requests", "cached", "failures", "tokens in", "tokens out", "cost (USD)"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for usage in sorted(result.model_usage, key=lambda u: u.model):
        table.add_row(
            Text(clean(usage.model)),
            str(usage.requests),
            str(usage.cached),
            str(usage.failures),
            f"{usage.tokens_in:,}",
            f"{usage.tokens_out:,}",
            f"{usage.cost_usd:.4f}",
        )
    return table


def _summary(result: ScanResult) -> Text:
    """One line (wrapped if narrow) that must never make a failed scan read as clean."""
    skipped = files_not_analysed(result)
    if result.nothing_analysed:
        text = Text("NOTHING WAS ANALYSED", style="bold white on red")
        text.append(
            ": not a single file could be analysed "
            + (
                f"({plural(skipped, 'file')} skipped, see 'Not analysed'); "
                if skipped
                else "(no file of a supported language was found); "
            )
            + "this is not a clean result."
        )
        return text
    counts = result.severity_counts()
    active = len(result.active)
    text = Text.assemble((plural(active, "finding"), "bold red" if active else "bold green"))
    by_context = f"; {context_summary(result)}" if active else ""
    text.append(" (" + ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES) + by_context + ")")
    if result.suppressed:
        text.append(f", {len(result.suppressed)} suppressed")
    if result.baseline_matched:
        text.append(f", {result.baseline_matched} matched the baseline")
    if result.below_threshold:
        text.append(f", {result.below_threshold} below the severity/confidence threshold")
    if result.diff_base:
        text.append(f", {result.diff_hidden} old or outside the change (diff against {result.diff_base})")
    analysed, not_analysed, text_only = coverage_parts(result)
    text.append(f"; {analysed} in {result.duration_s:.2f}s")
    for warning in (not_analysed, text_only):
        if warning:
            text.append(f"; {warning}", style="bold yellow")
    return text
