"""The reporter registry. A reporter takes the result and options and returns a string;
it never sees the engine, the config object or the terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from vulnhound.errors import UsageError
from vulnhound.result import ScanResult


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    width: int = 100
    show_unused_suppressions: bool = False
    show_suppressed: bool = False
    # --quiet: the text report lists findings only (and still says when nothing was analysed)
    quiet: bool = False


Reporter = Callable[[ScanResult, ReportOptions], str]

# format name -> "module:function"
FORMATS: dict[str, str] = {
    "text": "vulnhound.reporters.text:render_text",
    "json": "vulnhound.reporters.json_report:render_json",
    "sarif": "vulnhound.reporters.sarif:render_sarif",
    "markdown": "vulnhound.reporters.markdown:render_markdown",
    "gitlab": "vulnhound.reporters.gitlab:render_gitlab",
    "html": "vulnhound.reporters.html:render_html",
}


def get_reporter(name: str) -> Reporter:
    target = FORMATS.get(name)
    if target is None:
        raise UsageError(f"unknown output format '{name}' (choose from {', '.join(sorted(FORMATS))})")
    module, _, function = target.partition(":")
    reporter: Reporter = getattr(import_module(module), function)
    return reporter


def render(name: str, result: ScanResult, options: ReportOptions | None = None) -> str:
    return get_reporter(name)(result, options or ReportOptions())
