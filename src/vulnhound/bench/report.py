"""Bench results as a terminal table, Markdown, a self-contained HTML page, and a leaderboard.

Everything here reads the JSON form of a result (``BenchResult.to_json()`` or a result file),
so ``bench compare`` renders saved files exactly as ``bench run`` renders fresh ones.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vulnhound.errors import UsageError

_COLUMNS = ("analyzer", "score", "TPR", "FPR", "precision", "F1", "TP", "FP", "TN", "FN", "pairs", "s/sample")


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * float(value):.1f}%"


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def _pairs(block: dict[str, Any]) -> str:
    pairs = block.get("pairs") or {}
    if not pairs.get("pairs"):
        return "-"
    return f"{pairs['right']}/{pairs['pairs']} ({_pct(pairs['accuracy'])})"


def _row(name: str, block: dict[str, Any], usage: dict[str, Any] | None = None) -> list[str]:
    per_sample = (usage or {}).get("wall_s_per_sample")
    return [
        name,
        _num(block.get("score")),
        _pct(block.get("tpr")),
        _pct(block.get("fpr")),
        _pct(block.get("precision")),
        _num(block.get("f1")),
        *(str(block.get(k, 0)) for k in ("tp", "fp", "tn", "fn")),
        _pairs(block),
        "-" if per_sample is None else f"{per_sample:.4f}",
    ]


def summary_rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per analyzer (overall), then one per analyzer and category."""
    rows = [_row(a["name"], a["overall"], a.get("usage")) for a in result["analyzers"]]
    for analyzer in result["analyzers"]:
        for category, block in analyzer["categories"].items():
            rows.append(_row(f"{analyzer['name']} / {category}", block))
    return rows


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    escape = [[cell.replace("|", "\\|") for cell in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in escape]
    return "\n".join(lines) + "\n"


def _provenance(result: dict[str, Any]) -> list[str]:
    dataset = result["dataset"]
    lines = [
        f"- dataset: `{dataset['name']}` ({dataset['format']}), {dataset['samples']} samples "
        f"({dataset['vulnerable']} vulnerable, {dataset['safe']} safe, {dataset['pairs']} pairs)",
        f"- dataset sha256: `{dataset['hash']}`",
        f"- vulnhound {result['vulnhound_version']}, rule set sha256 `{result['ruleset_hash']}`",
        f"- matching: {result['matching']}",
    ]
    for analyzer in result["analyzers"]:
        identity = json.dumps(analyzer["identity"], sort_keys=True)
        lines.append(f"- `{analyzer['name']}`: `{identity}`")
    return lines


def to_markdown(result: dict[str, Any]) -> str:
    dataset = result["dataset"]
    parts = [f"# vulnhound bench: {dataset['name']}\n", "\n".join(_provenance(result)) + "\n"]
    parts.append(
        "\n## Overall\n\n" + _markdown_table(_COLUMNS, summary_rows(result)[: len(result["analyzers"])])
    )
    parts.append(
        "\n## Per category\n\n" + _markdown_table(_COLUMNS, summary_rows(result)[len(result["analyzers"]) :])
    )
    parts.append(
        "\nScore = mean TPR - mean FPR over categories (OWASP Benchmark scorecard); "
        "overall TPR/FPR are those means, TP/FP/TN/FN/precision/F1 are pooled.\n"
    )
    return "".join(parts)


def render_terminal(result: dict[str, Any], console: Any) -> None:
    """Print the summary with rich (``console`` is a ``rich.console.Console``)."""
    from rich.table import Table

    table = Table(title=f"bench: {result['dataset']['name']} ({result['dataset']['samples']} samples)")
    for column in _COLUMNS:
        table.add_column(column, overflow="fold", justify="left" if column == "analyzer" else "right")
    analyzers = len(result["analyzers"])
    for i, row in enumerate(summary_rows(result)):
        table.add_row(*row, style="bold" if i < analyzers else None, end_section=i == analyzers - 1)
    console.print(table)


# --- HTML and plots ------------------------------------------------------------------------


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    # Fixed metadata so identical numbers give identical bytes.
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise UsageError("HTML output needs matplotlib: pip install 'vulnhound[bench]'") from exc
    return plt


def scatter_png(points: Sequence[tuple[str, float, float]], title: str) -> str:
    """TPR against FPR per analyzer with the chance diagonal, as the OWASP scorecards draw it."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.plot([0, 100], [0, 100], linestyle="--", color="grey", label="random guess")
    for name, fpr, tpr in points:
        axes.scatter([100 * fpr], [100 * tpr], s=60)
        axes.annotate(name, (100 * fpr, 100 * tpr), textcoords="offset points", xytext=(6, 4), fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.set_xlabel("False positive rate (%)")
    axes.set_ylabel("True positive rate (%)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    encoded = _png(figure)
    plt.close(figure)
    return encoded


def bars_png(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str
) -> str:
    """Per-category bars (one group per category, one bar per analyzer)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(max(6, 1.2 * len(categories) + 2), 4))
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series):
        xs = [c + i * width for c in range(len(categories))]
        axes.bar(xs, [100 * (v or 0.0) for v in values], width=width, label=name)
    axes.set_xticks([c + width * (len(series) - 1) / 2 for c in range(len(categories))])
    axes.set_xticklabels(categories, rotation=30, ha="right")
    axes.set_ylabel("%")
    axes.set_ylim(-100, 100) if "score" in title.lower() else axes.set_ylim(0, 100)
    axes.axhline(0, color="black", linewidth=0.5)
    axes.set_title(title)
    axes.legend(fontsize=8)
    encoded = _png(figure)
    plt.close(figure)
    return encoded


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(result: dict[str, Any]) -> str:
    """One page, no external resources: styles inline, plots as base64 PNG."""
    analyzers = result["analyzers"]
    points = [
        (a["name"], a["overall"]["fpr"] or 0.0, a["overall"]["tpr"] or 0.0)
        for a in analyzers
        if a["overall"].get("tpr") is not None or a["overall"].get("fpr") is not None
    ]
    categories = sorted({c for a in analyzers for c in a["categories"]})
    images = [scatter_png(points, "TPR vs FPR (overall, mean over categories)")]
    for metric in ("tpr", "fpr", "score"):
        series = [
            (a["name"], [a["categories"].get(c, {}).get(metric) for c in categories]) for a in analyzers
        ]
        images.append(
            bars_png(categories, series, f"{metric.upper() if metric != 'score' else 'Score'} per category")
        )
    rows = summary_rows(result)
    provenance = "".join(f"<li>{html.escape(line[2:]).replace('`', '')}</li>" for line in _provenance(result))
    figures = "".join(f'<img alt="plot" src="data:image/png;base64,{image}">' for image in images)
    title = html.escape(f"vulnhound bench: {result['dataset']['name']}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:1em 0}"
        f"</style></head><body><h1>{title}</h1><ul>{provenance}</ul>"
        f"<h2>Overall</h2>{_html_table(_COLUMNS, rows[: len(analyzers)])}"
        f"<h2>Plots</h2>{figures}"
        f"<h2>Per category</h2>{_html_table(_COLUMNS, rows[len(analyzers) :])}"
        "<p>Score = mean TPR - mean FPR over categories (OWASP Benchmark scorecard).</p>"
        "</body></html>\n"
    )


# --- Leaderboard ---------------------------------------------------------------------------

_BOARD = (
    "rank",
    "analyzer",
    "dataset",
    "score",
    "TPR",
    "FPR",
    "precision",
    "F1",
    "pairs",
    "s/sample",
    "tokens/sample",
    "USD/sample",
)


def load_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read bench result {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != "vulnhound-bench":
        raise UsageError(f"{path}: not a vulnhound bench result")
    return data


def leaderboard(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every analyzer of every result, best benchmark score first (ties: lower FPR, name)."""
    entries = []
    for result in results:
        dataset = result["dataset"]
        for analyzer in result["analyzers"]:
            overall, usage = analyzer["overall"], analyzer.get("usage", {})
            entries.append(
                {
                    "analyzer": analyzer["name"],
                    "key": analyzer["key"],
                    "dataset": dataset["name"],
                    "dataset_hash": dataset["hash"],
                    "score": overall.get("score"),
                    "tpr": overall.get("tpr"),
                    "fpr": overall.get("fpr"),
                    "precision": overall.get("precision"),
                    "f1": overall.get("f1"),
                    "pairs": overall.get("pairs"),
                    "wall_s_per_sample": usage.get("wall_s_per_sample"),
                    "tokens_per_sample": usage.get("tokens_per_sample"),
                    "cost_usd_per_sample": usage.get("cost_usd_per_sample"),
                }
            )
    entries.sort(
        key=lambda e: (-(e["score"] if e["score"] is not None else -2.0), e["fpr"] or 0.0, e["analyzer"])
    )
    for rank, entry in enumerate(entries, start=1):
        entry["rank"] = rank
    return entries


def leaderboard_rows(entries: Sequence[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for e in entries:
        pairs = e["pairs"] or {}
        rows.append(
            [
                str(e["rank"]),
                e["analyzer"],
                f"{e['dataset']} ({e['dataset_hash'][:8]})",
                _num(e["score"]),
                _pct(e["tpr"]),
                _pct(e["fpr"]),
                _pct(e["precision"]),
                _num(e["f1"]),
                _pct(pairs.get("accuracy")) if pairs.get("pairs") else "-",
                _num(e["wall_s_per_sample"], 4),
                _num(e["tokens_per_sample"], 1),
                _num(e["cost_usd_per_sample"], 6),
            ]
        )
    return rows


def leaderboard_markdown(entries: Sequence[dict[str, Any]]) -> str:
    note = ""
    if len({e["dataset_hash"] for e in entries}) > 1:
        note = "\nNote: the entries were scored on different datasets; compare within one dataset only.\n"
    return "# vulnhound bench leaderboard\n\n" + _markdown_table(_BOARD, leaderboard_rows(entries)) + note


def render_leaderboard(entries: Sequence[dict[str, Any]], console: Any) -> None:
    from rich.table import Table

    table = Table(title="bench leaderboard")
    for column in _BOARD:
        table.add_column(
            column, overflow="fold", justify="left" if column in {"analyzer", "dataset"} else "right"
        )
    for row in leaderboard_rows(entries):
        table.add_row(*row)
    console.print(table)
    if len({e["dataset_hash"] for e in entries}) > 1:
        console.print(
            "[yellow]the entries were scored on different datasets; compare within one dataset only"
        )
