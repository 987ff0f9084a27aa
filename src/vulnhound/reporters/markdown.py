"""Markdown report for pull-request comments (GitHub-flavoured).

Scanned text is escaped so that a message can neither break a table nor inject HTML or
links into the comment. The findings table is capped so the comment stays well under
GitHub's 65 536-character limit; the full list is in the JSON and SARIF reports.
"""

from __future__ import annotations

import re

from vulnhound.findings import Finding
from vulnhound.reporters._common import (
    CONTEXT_LABELS,
    SEVERITIES,
    TEXT_ONLY_NOTE,
    Agreement,
    agreements,
    clean,
    context_summary,
    coverage_line,
    files_not_analysed,
    location_text,
    one_line,
    ordered,
    ordered_skipped,
    plural,
    text_only_languages,
    truncate,
)
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult

MAX_FINDING_ROWS = 200
MAX_SKIPPED_ROWS = 200
MAX_MESSAGE = 300

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(text: str, limit: int = 0) -> str:
    """Inline text for a table cell or a list item: one line, markdown and HTML inert."""
    text = one_line(text)
    if limit:
        text = truncate(text, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str, table: bool = True) -> str:
    """A code span that survives backticks in ``text``; in a table, pipes are escaped too."""
    text = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if table else span


def render_markdown(result: ScanResult, options: ReportOptions) -> str:
    parts = [_heading(result), _summary_table(result)]
    active = ordered(result.active)
    if active:
        parts.append(_findings_table(active))
        flows = [f for f in active[:MAX_FINDING_ROWS] if f.flow]
        if flows:
            parts.append("### Code flows\n\n" + "\n\n".join(_flow_details(f) for f in flows))
    suppressed = ordered(result.suppressed)
    if suppressed and options.show_suppressed:
        parts.append(_suppressed_list(suppressed))
    not_analysed = _not_analysed(result)
    if not_analysed:
        parts.append(not_analysed)
    if options.show_unused_suppressions and result.unused_suppressions:
        lines = [
            f"- {code(f'{loc.path}:{loc.start_line}', table=False)}"
            for loc in sorted(result.unused_suppressions)
        ]
        parts.append("### Unused suppressions\n\n" + "\n".join(lines))
    if result.model_usage:
        parts.append(_usage_table(result))
    parts.extend(_agreement_table(a) for a in agreements(result))
    if result.notes:
        parts.append("### Notes\n\n" + "\n".join(f"- {escape(n)}" for n in result.notes))
    parts.append(
        f"<sub>vulnhound {escape(result.tool_version)} \u00b7 "
        f"{escape(coverage_line(result))} \u00b7 {result.duration_s:.2f}s</sub>"
    )
    return clean("\n\n".join(parts)) + "\n"


def _heading(result: ScanResult) -> str:
    if result.nothing_analysed:
        return (
            "## \u26a0\ufe0f vulnhound: nothing was analysed\n\n"
            f"Not a single file could be analysed ({plural(files_not_analysed(result), 'file')} skipped). "
            "This is **not** a clean result; see *Not analysed* below."
        )
    active = result.active
    if active:
        counts = result.severity_counts()
        worst = ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES if counts[s])
        head = f"## \u274c vulnhound: {plural(len(active), 'finding')} ({worst}; {context_summary(result)})"
    else:
        head = f"## \u2705 vulnhound: no findings in {plural(result.files_analyzed, 'file')}"
    skipped = files_not_analysed(result)
    if skipped:
        head += f"\n\n\u26a0\ufe0f {plural(skipped, 'file')} could not be analysed; see *Not analysed* below."
    if result.unsupported_languages:  # "no findings" must not read as a clean JavaScript tree
        head += (
            f"\n\n\u26a0\ufe0f {plural(result.text_only_files, 'file')} "
            f"({escape(text_only_languages(result, False))}) had {TEXT_ONLY_NOTE}."
        )
    return head


def _summary_table(result: ScanResult) -> str:
    counts = result.severity_counts()
    rows = ["| Severity | Findings |", "| --- | ---: |"]
    rows += [f"| {s.value.capitalize()} | {counts[s]} |" for s in SEVERITIES]
    rows.append(f"| **Total** | **{len(result.active)}** |")
    rows += [f"| {CONTEXT_LABELS[c].capitalize()} | {n} |" for c, n in result.context_counts().items()]
    extra = [
        ("Suppressed", len(result.suppressed)),
        ("Matched baseline", result.baseline_matched),
        ("Below threshold", result.below_threshold),
        *(
            [(f"Old or outside the change (diff against {escape(result.diff_base)})", result.diff_hidden)]
            if result.diff_base
            else []
        ),
        ("Files analysed", result.files_analyzed),
        ("Files not analysed", files_not_analysed(result)),
        *([("Files with text checks only", result.text_only_files)] if result.unsupported_languages else []),
    ]
    rows += [f"| {label} | {value} |" for label, value in extra]
    return "\n".join(rows)


def _findings_table(findings: list[Finding]) -> str:
    rows = [
        "### Findings",
        "",
        "| Severity | Rule | CWE | Location | Context | Message |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in findings[:MAX_FINDING_ROWS]:
        message = escape(f.message, MAX_MESSAGE)
        if f.triage is not None:
            message += f" <br>*triage: {escape(f.triage.verdict.value.replace('_', ' '))}*"
        rows.append(
            f"| {f.severity.value} | {code(f.rule_id)} | {escape(', '.join(f.cwe))} "
            f"| {code(location_text(f.location, column=False))} | {f.code_context.value} | {message} |"
        )
    if len(findings) > MAX_FINDING_ROWS:
        rows.append("")
        rows.append(
            f"\u2026 and {len(findings) - MAX_FINDING_ROWS} more; see the JSON or SARIF report for all of them."
        )
    return "\n".join(rows)


def _flow_details(f: Finding) -> str:
    summary = f"{code(f.rule_id, False)} at {code(location_text(f.location, column=False), False)}"
    steps = [
        f"{n}. {code(location_text(step.location), False)} \u2014 {escape(step.note)}"
        for n, step in enumerate(f.flow, start=1)
    ]
    return f"<details><summary>{summary}</summary>\n\n" + "\n".join(steps) + "\n\n</details>"


def _suppressed_list(findings: list[Finding]) -> str:
    lines = [f"### Suppressed ({len(findings)})", ""]
    for f in findings[:MAX_FINDING_ROWS]:
        assert f.suppression is not None
        why = f": {escape(f.suppression.justification)}" if f.suppression.justification else ""
        lines.append(
            f"- {code(location_text(f.location, column=False), False)} {code(f.rule_id, False)} "
            f"({f.suppression.kind.value}{why})"
        )
    return "\n".join(lines)


def _not_analysed(result: ScanResult) -> str:
    if not (result.skipped or result.unsupported_languages):
        return ""
    lines = [f"### Not analysed ({plural(files_not_analysed(result), 'file')})", ""]
    entries = ordered_skipped(result.skipped)
    if entries:
        lines += ["| Path | Reason | Detail |", "| --- | --- | --- |"]
        for e in entries[:MAX_SKIPPED_ROWS]:
            detail = escape(e.detail, MAX_MESSAGE)
            if e.analyzer:
                detail += f" ({escape(e.analyzer)})"
            lines.append(f"| {code(e.path)} | {e.reason.value} | {detail} |")
        if len(entries) > MAX_SKIPPED_ROWS:
            lines += ["", f"\u2026 and {len(entries) - MAX_SKIPPED_ROWS} more; see the JSON report."]
    if result.unsupported_languages:
        lines += [
            "",
            f"{TEXT_ONLY_NOTE[0].upper() + TEXT_ONLY_NOTE[1:]}: {escape(text_only_languages(result))}",
        ]
    return "\n".join(lines)


def _agreement_table(agreement: Agreement) -> str:
    rows = [
        f"### Model agreement (a finding stands when {agreement.threshold} agree)",
        "",
        "| | " + " | ".join(code(m) for m in agreement.models) + " |",
        "| --- |" + " ---: |" * len(agreement.models),
    ]
    for model, row in zip(agreement.models, agreement.matrix, strict=True):
        rows.append(f"| {code(model)} | " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(rows)


def _usage_table(result: ScanResult) -> str:
    rows = [
        "### Model usage",
        "",
        "| Model | Requests | Cached | Failures | Tokens in | Tokens out | Cost (USD) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for u in sorted(result.model_usage, key=lambda u: u.model):
        rows.append(
            f"| {code(u.model)} | {u.requests} | {u.cached} | {u.failures} "
            f"| {u.tokens_in:,} | {u.tokens_out:,} | {u.cost_usd:.4f} |"
        )
    return "\n".join(rows)
