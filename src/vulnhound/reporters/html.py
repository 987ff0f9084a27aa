"""HTML report (`-f html`): one self-contained page for a security engineer to review a scan.

Everything from the scan (messages, code, paths, rule ids, model names) is untrusted: it is
written only through :func:`esc`, as element text or a double-quoted attribute value, and never
into the script or the style sheet, which are constants. The page loads nothing: there is no
URL in it, and its Content-Security-Policy allows only its own script and style, by hash, so
even injected markup could neither run code nor fetch anything. Filters read ``data-*``
attributes of the findings; without JavaScript the filter panel stays hidden and every
finding is shown.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby

from vulnhound.findings import CodeContext, Finding, FlowStep, Severity
from vulnhound.reporters._common import (
    CONTEXT_LABELS,
    SEVERITIES,
    Agreement,
    agreements,
    clean,
    context_summary,
    cwe_number,
    files_not_analysed,
    location_text,
    one_line,
    ordered,
    plural,
    skipped_by_reason,
)
from vulnhound.reporters.registry import ReportOptions
from vulnhound.result import ScanResult

# Filter facets, in panel order; each finding carries one data-<facet> attribute (a JSON list).
FACETS: tuple[tuple[str, str], ...] = (
    ("severity", "Severity"),
    ("cwe", "CWE"),
    ("context", "Context"),
    ("analyzer", "Analyzer"),
)
NO_CWE = "none"
SEPARATOR = " \u00b7 "
# Up to this many skipped entries, the "Not analysed" reason groups start expanded.
OPEN_SKIPPED_UP_TO = 20
# Properties shown in their own place rather than in a finding's "Details".
_SHOWN_PROPERTIES = {"verification", "verification_reason", "explanation"}


def esc(text: str) -> str:
    """Untrusted text as inert HTML, valid in element text and in double-quoted attributes."""
    return html.escape(clean(text), quote=True)


def render_html(result: ScanResult, options: ReportOptions) -> str:
    active = ordered(result.active)
    body = [
        _header(result),
        _banner(result),
        _summary(result),
        _findings(active, {(path, line): code for path, line, code in result.flow_lines}),
        _suppressed(result, options),
        _not_analysed(result),
        _unused_suppressions(result, options),
        _usage(result),
        *(_agreement(a) for a in agreements(result)),
        _notes(result),
        _footer(result),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        f"{_head(result)}\n"
        "<body>\n"
        '<main class="page">\n' + "\n".join(part for part in body if part) + "\n</main>\n"
        f"<script>{SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    """Nothing may load; only this page's own script and style (by hash) may run."""
    return (
        f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(STYLE)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _head(result: ScanResult) -> str:
    return (
        "<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>vulnhound report: {esc(_headline(result))}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>"
    )


def _headline(result: ScanResult) -> str:
    if result.nothing_analysed:
        return "nothing was analysed"
    return plural(len(result.active), "finding")


def _header(result: ScanResult) -> str:
    facts = [
        f"vulnhound {esc(result.tool_version)}",
        f"root <code>{esc(result.root)}</code>",
        f"analyzers {esc(', '.join(result.analyzers)) or 'none'}",
    ]
    if result.started_at:
        facts.append(_date(result.started_at) or "start time unknown")
    nav = [("#findings", "Findings")]
    if result.skipped or result.unsupported_languages:
        nav.append(("#not-analysed", "Not analysed"))
    if result.model_usage:
        nav.append(("#models", "Models"))
    if result.notes:
        nav.append(("#notes", "Notes"))
    links = "".join(f'<a href="{href}">{label}</a>' for href, label in nav)
    return (
        '<header class="top">\n'
        "<h1>vulnhound scan report</h1>\n"
        f'<p class="meta">{SEPARATOR.join(facts)}</p>\n'
        f'<nav class="jump">{links}</nav>\n'
        "</header>"
    )


def _date(epoch: float) -> str:
    """The scan's start in UTC ("" for a time no calendar holds: a report never fails on it)."""
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):
        return ""


def _banner(result: ScanResult) -> str:
    """The verdict in one line; a scan that analysed nothing must never read as clean."""
    skipped = files_not_analysed(result)
    if result.nothing_analysed:
        return (
            '<p class="banner bad"><strong>Nothing was analysed.</strong> Not a single file could be '
            f"analysed ({plural(skipped, 'file')} skipped): this is <strong>not</strong> a clean result; "
            'see <a href="#not-analysed">Not analysed</a>.</p>'
        )
    active = result.active
    if active:
        text = f"<strong>{plural(len(active), 'finding')}</strong> ({esc(context_summary(result))})."
        kind = "bad"
    else:
        text = f"<strong>No findings</strong> in {plural(result.files_analyzed, 'file')}."
        kind = "good"
    if skipped:
        text += (
            f' {plural(skipped, "file")} could not be analysed; see <a href="#not-analysed">Not analysed</a>.'
        )
        kind = "bad" if active else "warn"
    return f'<p class="banner {kind}">{text}</p>'


def _summary(result: ScanResult) -> str:
    counts = result.severity_counts()
    cards = [
        f'<div class="card sev-{s.value}"><span class="n">{counts[s]}</span>'
        f'<span class="label">{s.value.capitalize()}</span></div>'
        for s in SEVERITIES
    ]
    cards.append(
        f'<div class="card total"><span class="n">{len(result.active)}</span><span class="label">Total</span></div>'
    )
    stats = [
        *((_context_name(c), n) for c, n in result.context_counts().items()),
        ("Suppressed", len(result.suppressed)),
        ("Matched baseline", result.baseline_matched),
        ("Below threshold", result.below_threshold),
        *([("Old or outside the change", result.diff_hidden)] if result.diff_base else []),
        ("Files analysed", result.files_analyzed),
        ("Lines analysed", result.lines_analyzed),
        ("Files not analysed", files_not_analysed(result)),
    ]
    items = "".join(
        f'<div><dt>{label}</dt><dd id="stat-{_slug(label)}">{n:,}</dd></div>' for label, n in stats
    )
    diff = (
        f'<p class="diff">Diff scan against {esc(result.diff_base)}: only findings the change brings.</p>\n'
        if result.diff_base
        else ""
    )
    return (
        '<section class="summary" aria-label="Summary">\n'
        f"{diff}"
        f'<div class="cards">{"".join(cards)}</div>\n'
        f'<dl class="stats">{items}<div><dt>Duration</dt><dd>{result.duration_s:.2f}s</dd></div></dl>\n'
        "</section>"
    )


def _slug(label: str) -> str:
    return label.lower().replace(" ", "-")


def _context_name(context: CodeContext) -> str:
    """The shared label as a name: "in test code" -> "Test code"."""
    return CONTEXT_LABELS[context].removeprefix("in ").capitalize()


def _facets(finding: Finding) -> dict[str, list[str]]:
    """The values a finding has for each filter; it is shown when one of each is selected."""
    return {
        "severity": [finding.severity.value],
        "cwe": [clean(c) for c in finding.cwe] or [NO_CWE],
        "context": [finding.code_context.value],
        "analyzer": [clean(a) for a in finding.analyzers] or ["unknown"],
    }


def _facet_label(facet: str, value: str) -> str:
    if facet == "severity":
        return value.capitalize()
    if facet == "context":
        return _context_name(CodeContext(value))
    if facet == "cwe" and value == NO_CWE:
        return "No CWE"
    return value


def _facet_order(facet: str, value: str) -> tuple[int, str]:
    if facet == "severity":
        return (-Severity(value).rank, value)
    if facet == "context":
        return (list(CodeContext).index(CodeContext(value)), value)
    if facet == "cwe":
        number = cwe_number(value)
        return (int(number) if number else 1 << 30, value)
    return (0, value)


def _filters(findings: Sequence[Finding]) -> str:
    counts: dict[str, Counter[str]] = {name: Counter() for name, _ in FACETS}
    for f in findings:
        for name, values in _facets(f).items():
            counts[name].update(set(values))
    groups = []
    for name, title in FACETS:
        boxes = "".join(
            f'<label class="opt"><input type="checkbox" name="{name}" value="{esc(value)}" checked> '
            f'{esc(_facet_label(name, value))} <span class="count">{n}</span></label>'
            for value, n in sorted(counts[name].items(), key=lambda item: _facet_order(name, item[0]))
        )
        groups.append(
            f'<fieldset class="facet" data-facet="{name}"><legend>{title}</legend>{boxes}</fieldset>'
        )
    total = len(findings)
    return (
        '<div id="filters" class="filters" hidden>\n'
        + "\n".join(groups)
        + '\n<div class="filter-bar"><span><strong id="shown-count">'
        f"{total}</strong> of {plural(total, 'finding')} shown</span>"
        '<button type="button" id="show-all">Show all</button></div>\n'
        "</div>\n"
        '<noscript><p class="hint">Filters need JavaScript; every finding is shown.</p></noscript>'
    )


# (path, line) -> the code there, for the lines reported flows pass through (ScanResult.flow_lines)
Lines = Mapping[tuple[str, int], str]


def _findings(findings: Sequence[Finding], lines: Lines) -> str:
    if not findings:
        return '<section id="findings"><h2>Findings</h2><p class="empty">No active findings.</p></section>'
    parts = ['<section id="findings">', "<h2>Findings</h2>", _filters(findings)]
    parts.append('<p id="no-match" class="empty" hidden>No finding matches the selected filters.</p>')
    numbered = list(enumerate(findings, start=1))
    for severity, group in groupby(numbered, key=lambda item: item[1].severity):
        parts.append(_severity_group(severity, list(group), lines))
    parts.append("</section>")
    return "\n".join(parts)


def _severity_group(severity: Severity, numbered: list[tuple[int, Finding]], lines: Lines) -> str:
    files = [
        _file_group(path, list(group), lines)
        for path, group in groupby(numbered, key=lambda item: item[1].location.path)
    ]
    return (
        f'<section class="severity-group" data-severity="{severity.value}">\n'
        f'<h3><span class="badge sev-{severity.value}">{severity.value}</span> '
        f"{plural(len(numbered), 'finding')}</h3>\n" + "\n".join(files) + "\n</section>"
    )


def _file_group(path: str, numbered: list[tuple[int, Finding]], lines: Lines) -> str:
    items = "\n".join(_finding(f, n, lines) for n, f in numbered)
    return (
        f'<div class="file-group">\n<h4 class="file"><code>{esc(path)}</code> '
        f'<span class="count">{len(numbered)}</span></h4>\n{items}\n</div>'
    )


def _finding(f: Finding, number: int, lines: Lines) -> str:
    data = " ".join(
        f'data-{name}="{esc(json.dumps(values, ensure_ascii=True))}"' for name, values in _facets(f).items()
    )
    properties = dict(f.properties)
    parts = [_finding_head(f), f'<p class="message">{esc(f.message)}</p>', _facts(f, properties)]
    if properties.get("explanation"):
        parts.append(f'<p class="explanation">{esc(properties["explanation"])}</p>')
    if f.snippet and not _code_step(f):
        parts.append(_code(f))
    if f.flow:
        parts.append(_flow(f, lines))
    if f.triage is not None:
        parts.append(_triage(f))
    parts.append(_more(f, properties))
    return f'<article class="finding" id="finding-{number}" {data}>\n' + "\n".join(parts) + "\n</article>"


def _finding_head(f: Finding) -> str:
    cwes = "".join(f'<span class="cwe">{esc(c)}</span>' for c in f.cwe) or '<span class="cwe">no CWE</span>'
    context = f.code_context.value
    return (
        '<div class="finding-head">'
        f'<span class="badge sev-{f.severity.value}">{f.severity.value}</span>'
        f'<code class="rule">{esc(f.rule_id)}</code>{cwes}'
        f'<span class="tag ctx-{context}">{esc(CONTEXT_LABELS[f.code_context])}</span>'
        f'<code class="loc">{esc(location_text(f.location))}</code>'
        "</div>"
    )


def _facts(f: Finding, properties: dict[str, str]) -> str:
    facts = [
        ("Confidence", esc(f.confidence.value)),
        ("Analyzer", esc(", ".join(f.analyzers)) or "unknown"),
    ]
    status = properties.get("verification", "")
    if status:
        reason = properties.get("verification_reason", "")
        why = f' <span class="why">{esc(reason)}</span>' if reason else ""
        facts.append(
            ("Verification", f'<span class="verify v-{_css_word(status)}">{esc(status)}</span>{why}')
        )
    items = "".join(f"<div><dt>{label}</dt><dd>{value}</dd></div>" for label, value in facts)
    return f'<dl class="facts">{items}</dl>'


def _css_word(text: str) -> str:
    """A class-name fragment from untrusted text: letters, digits and dashes only."""
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())[:40]


def _code_step(f: Finding) -> int:
    """The flow step that shows the finding's code: the last one on the reported line (the sink,
    usually), 0 when none is; the code is shown once, where the flow reaches it."""
    if not f.snippet:
        return 0
    here = (f.location.path, f.location.start_line)
    on_line = [n for n, s in enumerate(f.flow, start=1) if (s.location.path, s.location.start_line) == here]
    return on_line[-1] if on_line else 0


def _code(f: Finding) -> str:
    """The finding's code (all a result holds: the reported lines), with line numbers, highlighted."""
    lines = clean(f.snippet).splitlines() or [""]
    rows = "".join(
        f'<span class="line hl"><span class="ln">{f.location.start_line + n}</span>'
        f'<span class="src">{html.escape(line, quote=True)}</span></span>'
        for n, line in enumerate(lines)
    )
    return f'<pre class="code"><code>{rows}</code></pre>'


def _flow(f: Finding, lines: Lines) -> str:
    last = len(f.flow)
    with_code = _code_step(f)
    steps = [
        _step(f, step, n, _role(n, last), n == with_code, lines) for n, step in enumerate(f.flow, start=1)
    ]
    return (
        f'<div class="flow-box"><p class="flow-title">Flow: source \u2192 sink '
        f'<span class="count">{plural(last, "step")}</span></p>\n'
        '<ol class="flow">\n' + "\n".join(steps) + "\n</ol></div>"
    )


def _role(number: int, last: int) -> str:
    if number == 1:
        return "source"
    return "sink" if number == last else "step"


def _step(f: Finding, step: FlowStep, number: int, role: str, with_code: bool, lines: Lines) -> str:
    note = one_line(step.note)
    # Engines often say "source: ..." themselves; the role badge already does.
    if role != "step" and note.lower().startswith(role + ":"):
        note = note[len(role) + 1 :].lstrip()
    code = _code(f) if with_code else _step_code(step, lines)
    badge = f'<span class="role">{role}</span>' if role != "step" else ""
    return (
        f'<li class="step {role}" data-step="{number}"><span class="num">{number}</span>'
        f'<div class="step-body"><div class="step-head">{badge}'
        f'<code class="loc">{esc(location_text(step.location))}</code></div>'
        f'<div class="note">{html.escape(note, quote=True)}</div>{code}</div></li>'
    )


def _step_code(step: FlowStep, lines: Lines) -> str:
    """The line a flow step is on, the step's columns marked, when the result holds it."""
    loc = step.location
    text = lines.get((loc.path, loc.start_line))
    if text is None:
        return ""
    start = max(loc.start_column - 1, 0)
    end = (
        loc.end_column - 1
        if loc.end_line == loc.start_line and loc.end_column > loc.start_column
        else len(text)
    )
    start, end = min(start, len(text)), min(max(end, start), len(text))
    marked = (
        html.escape(text[:start], quote=True)
        + f"<mark>{html.escape(text[start:end], quote=True)}</mark>"
        + html.escape(text[end:], quote=True)
    )
    return (
        f'<pre class="code step-code"><code><span class="line"><span class="ln">{loc.start_line}</span>'
        f'<span class="src">{marked}</span></span></code></pre>'
    )


def _triage(f: Finding) -> str:
    assert f.triage is not None
    verdict = f.triage.verdict.value
    models = f" by {esc(', '.join(f.triage.models))}" if f.triage.models else ""
    rationale = f'<span class="why">{esc(f.triage.rationale)}</span>' if f.triage.rationale else ""
    return (
        f'<p class="triage">Triage: <span class="verdict {verdict}">{verdict.replace("_", " ")}</span> '
        f"({f.triage.confidence:.2f}{models}) {rationale}</p>"
    )


def _more(f: Finding, properties: dict[str, str]) -> str:
    rows = [("Fingerprint", f.fingerprint), ("Function", f.context)]
    rows += [(key, value) for key, value in sorted(properties.items()) if key not in _SHOWN_PROPERTIES]
    items = "".join(
        f"<div><dt>{esc(key)}</dt><dd><code>{esc(value)}</code></dd></div>" for key, value in rows if value
    )
    return f'<details class="more"><summary>Details</summary><dl>{items}</dl></details>' if items else ""


def _suppressed(result: ScanResult, options: ReportOptions) -> str:
    suppressed = ordered(result.suppressed)
    if not (suppressed and options.show_suppressed):
        return ""
    rows = []
    for f in suppressed:
        assert f.suppression is not None
        rows.append(
            [
                f"<code>{esc(location_text(f.location, column=False))}</code>",
                f"<code>{esc(f.rule_id)}</code>",
                esc(f.suppression.kind.value),
                esc(f.suppression.justification),
            ]
        )
    table = _table(["Location", "Rule", "Suppressed by", "Justification"], rows)
    return f'<section id="suppressed"><h2>Suppressed ({len(suppressed)})</h2>\n{table}\n</section>'


def _not_analysed(result: ScanResult) -> str:
    if not (result.skipped or result.unsupported_languages):
        return ""
    skipped = files_not_analysed(result)
    title = f"Not analysed ({plural(skipped, 'file')})" if skipped else "Not analysed"
    parts = [f'<section id="not-analysed">\n<h2>{title}</h2>']
    is_open = " open" if len(result.skipped) <= OPEN_SKIPPED_UP_TO else ""
    for reason, entries in skipped_by_reason(result.skipped).items():
        rows = [[f"<code>{esc(e.path)}</code>", esc(e.detail), esc(e.analyzer) or "\u2014"] for e in entries]
        parts.append(
            f'<details class="skipped"{is_open}><summary><span class="reason">{esc(reason)}</span> '
            f'<span class="count">{len(entries)}</span></summary>\n'
            f"{_table(['Path', 'Detail', 'Analyzer'], rows)}\n</details>"
        )
    if result.unsupported_languages:
        languages = ", ".join(
            f"{esc(lang)} ({plural(n, 'file')})" for lang, n in sorted(result.unsupported_languages)
        )
        parts.append(
            f'<p class="unsupported">No vulnerability analysis (no analyzer for the language): {languages}</p>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _unused_suppressions(result: ScanResult, options: ReportOptions) -> str:
    if not (options.show_unused_suppressions and result.unused_suppressions):
        return ""
    rows = [
        [f"<code>{esc(location_text(loc, column=False))}</code>", "suppression comment matched nothing"]
        for loc in sorted(result.unused_suppressions)
    ]
    return (
        f'<section id="unused-suppressions"><h2>Unused suppressions ({len(rows)})</h2>\n'
        f"{_table(['Location', ''], rows)}\n</section>"
    )


def _usage(result: ScanResult) -> str:
    """What the models cost and what left the machine (request bytes, as the guard sent them)."""
    if not result.model_usage:
        return ""
    usage = sorted(result.model_usage, key=lambda u: u.model)
    rows = [
        [
            f"<code>{esc(u.model)}</code>",
            f"{u.requests:,}",
            f"{u.cached:,}",
            f"{u.failures:,}",
            f"{u.tokens_in:,}",
            f"{u.tokens_out:,}",
            f"{u.bytes_sent:,}",
            f"{u.cost_usd:.4f}",
        ]
        for u in usage
    ]
    sent = sum(u.bytes_sent for u in usage)
    requests = sum(u.requests for u in usage)
    headers = [
        "Model",
        "Requests",
        "Cached",
        "Failures",
        "Tokens in",
        "Tokens out",
        "Bytes sent",
        "Cost (USD)",
    ]
    return (
        '<section id="models"><h2>Models and egress</h2>\n'
        f'<p class="egress">{plural(requests, "request")} to {plural(len(usage), "model")}; '
        f"{sent:,} bytes of request bodies left through the guard.</p>\n"
        f"{_table(headers, rows, numeric=range(1, len(headers)))}\n</section>"
    )


def _agreement(agreement: Agreement) -> str:
    headers = ["", *(f"<code>{esc(m)}</code>" for m in agreement.models)]
    rows = [
        [f"<code>{esc(model)}</code>", *(str(c) for c in row)]
        for model, row in zip(agreement.models, agreement.matrix, strict=True)
    ]
    return (
        f'<section class="agreement"><h2>Model agreement (a finding stands when {agreement.threshold} agree)</h2>\n'
        f"{_table(headers, rows, numeric=range(1, len(headers)))}\n</section>"
    )


def _notes(result: ScanResult) -> str:
    if not result.notes:
        return ""
    items = "".join(f"<li>{esc(note)}</li>" for note in result.notes)
    return f'<section id="notes"><h2>Notes</h2><ul>{items}</ul></section>'


def _footer(result: ScanResult) -> str:
    return (
        f'<footer class="foot">vulnhound {esc(result.tool_version)} \u00b7 '
        f"{plural(result.files_analyzed, 'file')}, {plural(result.lines_analyzed, 'line')} analysed "
        f"in {result.duration_s:.2f}s \u00b7 this page loads nothing from the network</footer>"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """A table of cells that are already HTML (escaped by the caller)."""
    right = set(numeric)

    def cell(tag: str, index: int, content: str) -> str:
        return f'<{tag} class="num">{content}</{tag}>' if index in right else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
--critical:#8b1538;--high:#cf222e;--medium:#bc4c00;--low:#0969da;--info:#59636e}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:1160px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:24px 0 8px}h4{font-size:14px;margin:16px 0 8px}
code,pre{font-family:var(--mono);font-size:12.5px}
.meta{color:var(--muted);margin:0 0 8px;overflow-wrap:anywhere}
.jump a{margin-right:14px;color:var(--low);text-decoration:none}.jump a:hover{text-decoration:underline}
.banner{padding:10px 14px;border-radius:6px;border:1px solid;margin:16px 0}
.banner.bad{background:#ffebe9;border-color:#ff818266}.banner.warn{background:#fff8c5;border-color:#d4a72c66}
.banner.good{background:#dafbe1;border-color:#4ac26b66}.banner a{color:inherit}
.cards{display:flex;gap:10px;flex-wrap:wrap}
.card{flex:1 1 120px;background:var(--card);border:1px solid var(--line);border-top:4px solid var(--info);border-radius:6px;padding:10px 14px}
.card .n{display:block;font-size:26px;font-weight:600}.card .label{color:var(--muted)}
.card.sev-critical{border-top-color:var(--critical)}.card.sev-high{border-top-color:var(--high)}
.card.sev-medium{border-top-color:var(--medium)}.card.sev-low{border-top-color:var(--low)}.card.total{border-top-color:var(--fg)}
.stats{display:flex;flex-wrap:wrap;gap:6px 22px;margin:14px 0 0}
.stats div,.facts div{display:flex;gap:6px}dt{color:var(--muted)}dd{margin:0;font-weight:600}
.badge{display:inline-block;min-width:64px;text-align:center;padding:1px 8px;border-radius:12px;color:#fff;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:var(--info)}
.badge.sev-critical{background:var(--critical)}.badge.sev-high{background:var(--high)}
.badge.sev-medium{background:var(--medium)}.badge.sev-low{background:var(--low)}
.filters{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 14px;display:flex;flex-wrap:wrap;gap:8px 24px}
.facet{border:0;margin:0;padding:0;min-width:0}.facet legend{font-weight:600;padding:0;margin-bottom:2px}
.opt{display:inline-flex;align-items:center;gap:4px;margin-right:12px;white-space:nowrap}
.count{color:var(--muted);font-weight:400;font-size:12px;background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:0 6px}
.filter-bar{flex-basis:100%;display:flex;justify-content:space-between;align-items:center;border-top:1px solid var(--line);padding-top:8px}
button{font:inherit;padding:3px 12px;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}
.hint,.empty{color:var(--muted)}
.file{font-weight:600}.file code{font-size:13px;overflow-wrap:anywhere}
.finding{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:12px 16px;margin:0 0 12px}
.severity-group[data-severity=critical] .finding{border-left-color:var(--critical)}
.severity-group[data-severity=high] .finding{border-left-color:var(--high)}
.severity-group[data-severity=medium] .finding{border-left-color:var(--medium)}
.severity-group[data-severity=low] .finding{border-left-color:var(--low)}
.finding-head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}
.rule{font-weight:600;font-size:13px}.loc{color:var(--muted);overflow-wrap:anywhere}
.cwe{font-size:12px;border:1px solid var(--line);border-radius:4px;padding:0 5px;background:var(--bg)}
.tag{font-size:12px;border-radius:4px;padding:0 6px;background:#eaeef2;color:var(--muted)}
.tag.ctx-test,.tag.ctx-example,.tag.ctx-docs{background:#fff8c5;color:#7d4e00}
.message{margin:8px 0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14.5px;max-height:15em;overflow-y:auto}
.explanation{margin:6px 0;color:var(--muted);white-space:pre-wrap;overflow-wrap:anywhere}
.facts{display:flex;flex-wrap:wrap;gap:4px 20px;margin:6px 0;font-size:13px}.facts dd{font-weight:400}
.why{color:var(--muted);overflow-wrap:anywhere}
.verify{font-weight:600}.v-verified,.v-confirmed-by-consensus{color:#1a7f37}.v-refuted{color:var(--high)}.v-unverified{color:var(--medium)}
.code{margin:8px 0;background:#0d1117;color:#e6edf3;border-radius:6px;padding:6px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.code mark{background:#d2992259;color:inherit;border-radius:2px;padding:0 1px}.step-code{margin-top:4px}
.code .line{display:block;padding:0 12px 0 0}.code .line.hl{background:#bb800926;box-shadow:inset 3px 0 0 #d29922}
.code .ln{display:inline-block;min-width:44px;padding:0 10px;text-align:right;color:#8b949e;user-select:none}
.flow-box{margin:10px 0}.flow-title{margin:0 0 6px;font-weight:600;font-size:13px}
.flow{list-style:none;margin:0;padding:0}
.step{display:flex;gap:10px;position:relative;padding:0 0 10px}
.step:not(:last-child)::before{content:"";position:absolute;left:11px;top:24px;bottom:0;border-left:2px solid var(--line)}
.step .num{flex:0 0 24px;height:24px;border-radius:50%;background:#eaeef2;color:var(--fg);font-size:12px;font-weight:600;display:flex;align-items:center;justify-content:center}
.step.source .num{background:var(--low);color:#fff}.step.sink .num{background:var(--high);color:#fff}
.step-body{flex:1;min-width:0}.step-head{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.role{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;padding:0 6px;border-radius:4px}
.step.source .role{color:var(--low);border:1px solid var(--low)}.step.sink .role{color:var(--high);border:1px solid var(--high)}
.note{font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}
.triage{margin:6px 0;font-size:13px}.verdict{font-weight:600}.verdict.true_positive{color:var(--high)}
.verdict.false_positive{color:#1a7f37}.verdict.uncertain{color:var(--medium)}
.more{margin-top:6px;font-size:12.5px;color:var(--muted)}.more summary{cursor:pointer}
.more dl{margin:6px 0 0}.more div{display:flex;gap:8px}.more dd{font-weight:400;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:6px;font-size:13px}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg);font-weight:600}th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
.skipped{margin:0 0 10px}.skipped summary{cursor:pointer;padding:4px 0}.reason{font-weight:600}
.skipped table{margin-top:4px;table-layout:fixed}.skipped th:first-child{width:40%}.skipped th:last-child{width:16%}.unsupported,.egress{margin:8px 0}
.foot{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:10px}
"""

SCRIPT = """
(() => {
  "use strict";
  const keys = ["severity", "cwe", "context", "analyzer"];
  const panel = document.getElementById("filters");
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const boxes = panel ? Array.from(panel.querySelectorAll("input[type=checkbox]")) : [];
  const values = (el, key) => {
    try { const v = JSON.parse(el.getAttribute("data-" + key) || "[]"); return Array.isArray(v) ? v : []; }
    catch (e) { return []; }
  };
  const selected = () => {
    const sets = {};
    keys.forEach((k) => { sets[k] = new Set(); });
    boxes.forEach((b) => { if (b.checked) sets[b.name].add(b.value); });
    return sets;
  };
  const decode = (s) => { try { return decodeURIComponent(s); } catch (e) { return s; } };
  function readHash() {
    const hash = location.hash.slice(1);
    if (!hash.includes("=")) return;
    const wanted = {};
    hash.split("&").forEach((part) => {
      const at = part.indexOf("=");
      const key = decode(part.slice(0, at));
      if (at > 0 && keys.includes(key)) wanted[key] = new Set(part.slice(at + 1).split(",").map(decode));
    });
    boxes.forEach((b) => { if (wanted[b.name]) b.checked = wanted[b.name].has(b.value); });
  }
  function writeHash() {
    const parts = keys.map((k) => {
      const group = boxes.filter((b) => b.name === k);
      if (group.every((b) => b.checked)) return "";
      return k + "=" + group.filter((b) => b.checked).map((b) => encodeURIComponent(b.value)).join(",");
    }).filter(Boolean);
    const url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try { history.replaceState(null, "", url); } catch (e) { /* file: URLs may refuse */ }
  }
  function apply() {
    const sets = selected();
    let shown = 0;
    findings.forEach((f) => {
      const visible = keys.every((k) => values(f, k).some((v) => sets[k].has(v)));
      f.hidden = !visible;
      if (visible) shown += 1;
    });
    document.querySelectorAll(".file-group, .severity-group").forEach((g) => {
      g.hidden = !g.querySelector("article.finding:not([hidden])");
    });
    const count = document.getElementById("shown-count");
    if (count) count.textContent = String(shown);
    const none = document.getElementById("no-match");
    if (none) none.hidden = shown > 0;
    document.body.setAttribute("data-shown", String(shown));
  }
  if (panel) {
    panel.hidden = false;
    readHash();
    apply();
    panel.addEventListener("change", () => { apply(); writeHash(); });
    document.getElementById("show-all").addEventListener("click", () => {
      boxes.forEach((b) => { b.checked = true; });
      apply();
      writeHash();
    });
    window.addEventListener("hashchange", () => { readHash(); apply(); });
  }
  document.body.setAttribute("data-ready", "1");
})();
"""
