"""Jupyter notebooks (``.ipynb``) read as the Python of their cells, for every analyzer.

A notebook is JSON; secrets, injectable code and printed tokens hide in its cells and their
saved outputs. :func:`notebook_view` turns it into a *code view* in the "percent" format
that every analyzer reads as an ordinary Python file (language ``python``)::

    # %% [cell 1] markdown
    # # Loading the data
    # %% [cell 2] code
    # %matplotlib inline
    import requests
    print(requests.get(URL, headers={"Authorization": TOKEN}).text)
    # [output] {"user": "alice", "token": "..."}

- each cell starts with a ``# %% [cell N] <type>`` line (N counts cells from 1);
- code cells are code, as written;
- markdown, raw and other cells are comment lines (``# ...``);
- each code cell's text outputs follow it as ``# [output] ...`` lines: stream text (what
  was printed), ``text/plain`` results (or the first other textual type when a result has
  no ``text/plain``), error names, values and tracebacks (ANSI colour codes removed). Images
  and other binary outputs are left out;
- IPython syntax that is not Python is commented out (``# [ipython] ...``) so the rest
  parses: line magics (``%matplotlib inline``), shell escapes (``!pip install``), magics
  assigned to names (``files = !ls``), help queries (``obj?``), and whole cells of cell
  magics whose body is not Python (``%%bash``, ``%%html``, ``%%writefile`` ...; the bodies of
  ``%%time``, ``%%timeit``, ``%%capture`` ... stay code). An indented magic becomes
  ``pass  # [ipython] ...`` so its block keeps a body;
- a notebook whose kernel language is not Python has its code cells commented out too:
  their text is still read for secrets, never analysed as Python.

**Finding line numbers in a notebook count lines of this code view**, not lines of the JSON
file: line 12 of ``analysis.ipynb`` is the 12th line of the view, and the ``# %% [cell N]``
line above it names the cell. Suppression comments (``# vulnhound: ignore[...]``) written in
a cell work as in any Python file.

Nothing in a notebook is executed or imported: it is parsed as JSON and rewritten as text.
Code that does not parse as Python (a broken cell, top-level ``await``) is left as it is, so
the code analyzers report the notebook as a syntax error at the view line, and the text
analyzers (secrets, AI-directed text) still read it. A notebook that is not valid JSON,
not an nbformat 3 or 4 notebook, or holds wrong types where text belongs raises
:class:`NotebookError`, which the reader turns into a skip record.

The view's size is bounded by the file's: at most about six times the size of the JSON
(every two-byte ``\\n`` escape of an output becomes a line of its own with a prefix).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vulnhound.sources import SkipReason

CELL_MARKER = "# %%"
OUTPUT_PREFIX = "# [output] "
MAGIC_PREFIX = "# [ipython] "

# Cell magics whose body is Python: only the magic line is commented out.
_PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "noprun"})
# Output mime types read, in order of preference, when a result has no text/plain.
_TEXT_MIMES = ("text/markdown", "text/html", "text/latex", "application/javascript", "text/x-python")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
# `name = !cmd`, `a, b = %sx ls`: a magic assigned to names.
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
_PYTHON_KERNELS = frozenset({"python", "python2", "python3", "ipython", "ipython3", "pypy", "pypy3"})


class NotebookError(Exception):
    """The bytes are not a notebook this module can read; ``reason`` is the skip reason."""

    def __init__(self, reason: SkipReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Cell:
    kind: str
    source: str
    outputs: tuple[str, ...]


def notebook_view(data: bytes) -> str:
    """The code view of a notebook file's bytes (see the module docstring).

    Raises :class:`NotebookError` with reason DECODE_ERROR (not UTF-8, not a notebook of a
    supported nbformat, wrong types) or SYNTAX_ERROR (not valid JSON).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotebookError(
            SkipReason.DECODE_ERROR, f"notebook is not UTF-8: byte {exc.start} (line {line}): {exc.reason}"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            SkipReason.SYNTAX_ERROR,
            f"notebook is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
        ) from None
    except RecursionError:
        raise NotebookError(SkipReason.SYNTAX_ERROR, "notebook JSON is nested too deeply to read") from None
    except ValueError as exc:  # e.g. integers too long to convert
        raise NotebookError(SkipReason.SYNTAX_ERROR, f"notebook is not valid JSON: {exc}") from None
    cells, python = _cells(document)
    return _render(cells, python)


def _fail(detail: str) -> NotebookError:
    return NotebookError(SkipReason.DECODE_ERROR, f"not a readable Jupyter notebook: {detail}")


def _text(value: Any, where: str) -> str:
    """nbformat's multiline strings: a string, or a list of strings to concatenate."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise _fail(f"{where} is {type(value).__name__}, not a string or a list of strings")


def _cells(document: Any) -> tuple[list[_Cell], bool]:
    if not isinstance(document, dict):
        raise _fail(f"the top level is a JSON {type(document).__name__}, not an object")
    version = document.get("nbformat")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _fail("no integer 'nbformat' version")
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict):
        metadata = {}
    python = _is_python(metadata)
    if version == 4:
        raw_cells = document.get("cells")
        where = "cells"
    elif version == 3:
        worksheets = document.get("worksheets", [])
        if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
            raise _fail("'worksheets' is not a list of objects")
        raw_cells = [c for w in worksheets for c in _as_list(w.get("cells", []), "worksheets[].cells")]
        where = "worksheets[].cells"
    else:
        raise _fail(f"nbformat {version} is not supported (only 3 and 4)")
    if not isinstance(raw_cells, list):
        raise _fail(f"'{where}' is {type(raw_cells).__name__}, not a list")
    return [_cell(c, f"{where}[{i}]", version) for i, c in enumerate(raw_cells)], python


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{where} is {type(value).__name__}, not a list")
    return value


def _is_python(metadata: Mapping[str, Any]) -> bool:
    """Whether the kernel runs Python; True when the notebook does not say."""
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str) and section[field]:
            return section[field].strip().lower() in _PYTHON_KERNELS
    language = metadata.get("language")  # nbformat 3
    if isinstance(language, str) and language:
        return language.strip().lower() in _PYTHON_KERNELS
    return True


def _cell(cell: Any, where: str, version: int) -> _Cell:
    if not isinstance(cell, dict):
        raise _fail(f"{where} is {type(cell).__name__}, not an object")
    kind = cell.get("cell_type")
    if not isinstance(kind, str):
        raise _fail(f"{where}.cell_type is missing or not a string")
    key = "input" if version == 3 and kind == "code" else "source"
    source = _text(cell.get(key, ""), f"{where}.{key}")
    outputs: tuple[str, ...] = ()
    if kind == "code":
        raw = _as_list(cell.get("outputs", []), f"{where}.outputs")
        outputs = tuple(_output(o, f"{where}.outputs[{i}]", version) for i, o in enumerate(raw))
    return _Cell(kind, source, outputs)


def _output(output: Any, where: str, version: int) -> str:
    """The text of one output ("" for images and unknown kinds)."""
    if not isinstance(output, dict):
        raise _fail(f"{where} is {type(output).__name__}, not an object")
    kind = output.get("output_type")
    if not isinstance(kind, str):
        raise _fail(f"{where}.output_type is missing or not a string")
    if kind == "stream":
        return _text(output.get("text", ""), f"{where}.text")
    if kind in {"error", "pyerr"}:
        parts = [_text(output.get(key, ""), f"{where}.{key}") for key in ("ename", "evalue") if key in output]
        head = ": ".join(p for p in parts if p)
        trace = _as_list(output.get("traceback", []), f"{where}.traceback")
        lines = [_text(t, f"{where}.traceback[{i}]") for i, t in enumerate(trace)]
        return "\n".join([head, *lines] if head else lines)
    if kind in {"execute_result", "display_data", "pyout", "update_display_data"}:
        if version == 3:  # mime bundles are the output's own keys: "text", "html", "png" ...
            bundle = {"text/plain" if k == "text" else f"text/{k}": v for k, v in output.items()}
        else:
            data = output.get("data", {})
            if not isinstance(data, dict):
                raise _fail(f"{where}.data is {type(data).__name__}, not an object")
            bundle = data
        for mime in ("text/plain", *_TEXT_MIMES):
            if mime in bundle:
                return _text(bundle[mime], f"{where}.data[{mime!r}]")
        return ""
    return ""


def _comment(text: str, prefix: str = "# ") -> Iterator[str]:
    """Text as comment lines, one per line of ``str.splitlines`` (as analyzers count lines)."""
    for line in text.splitlines():
        yield f"{prefix}{line}".rstrip() if line.strip() else prefix.rstrip()


def _render(cells: Sequence[_Cell], python: bool) -> str:
    lines: list[str] = []
    for number, cell in enumerate(cells, start=1):
        if cell.kind == "code":
            if python:
                lines.append(f"{CELL_MARKER} [cell {number}] code")
                lines.extend(_code_lines(cell.source))
            else:
                lines.append(f"{CELL_MARKER} [cell {number}] code (not Python: commented out)")
                lines.extend(_comment(cell.source))
            for output in cell.outputs:
                lines.extend(_comment(_ANSI.sub("", output), OUTPUT_PREFIX))
        else:
            lines.append(f"{CELL_MARKER} [cell {number}] {_safe_kind(cell.kind)}")
            lines.extend(_comment(cell.source))
    return "\n".join(lines) + "\n" if lines else ""


def _safe_kind(kind: str) -> str:
    """A cell type as written on the marker line: one line, printable, bounded."""
    cleaned = "".join(c if c.isprintable() else "?" for c in kind)[:40]
    return cleaned or "?"


def _code_lines(source: str) -> list[str]:
    """A Python cell's lines with IPython syntax commented out."""
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(None, 1)
        name = magic[0] if magic else ""
        lines[first] = f"{MAGIC_PREFIX}{lines[first].strip()}"
        if name not in _PYTHON_BODY_CELL_MAGICS:  # the body is shell, HTML, a file ...: text
            return [*lines[: first + 1], *(f"{MAGIC_PREFIX}{line}".rstrip() for line in lines[first + 1 :])]
    scanner = _LogicalLines()
    out = []
    for line in lines:
        starts = scanner.at_start()
        code = scanner.feed(line)
        if starts and _is_ipython(code):
            out.append(_magic(line))
            scanner.reset()
        else:
            out.append(line)
    return out


def _magic(line: str) -> str:
    stripped = line.lstrip()
    if not stripped:
        return line
    indent = line[: len(line) - len(stripped)]
    if indent:
        return f"{indent}pass  {MAGIC_PREFIX}{stripped}".rstrip()
    return f"{MAGIC_PREFIX}{stripped}".rstrip()


def _is_ipython(code: str) -> bool:
    """Whether the code part of a line that starts a statement is IPython, not Python."""
    stripped = code.strip()
    if not stripped:
        return False
    if stripped[0] in "%!":
        return True
    if _ASSIGNED_MAGIC.match(stripped) and not stripped.split("=", 1)[1].lstrip().startswith("!="):
        return True
    return stripped.endswith("?")


class _LogicalLines:
    """Tracks brackets, strings and continuations across physical lines of Python.

    ``feed`` takes one line and returns its code with strings and the comment blanked;
    ``at_start`` says whether the next line starts a new statement (outside any bracket,
    string or backslash continuation), which is the only place a magic can be.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._depth = 0
        self._quote = ""  # the open string's delimiter, when a triple-quoted string spans lines
        self._continued = False

    def at_start(self) -> bool:
        return self._depth == 0 and not self._quote and not self._continued

    def feed(self, line: str) -> str:
        code: list[str] = []
        i, n = 0, len(line)
        self._continued = False
        while i < n:
            if self._quote:
                end = self._string_end(line, i)
                if end < 0:
                    return "".join(code)  # the string goes on past this line
                i = end
                self._quote = ""
                continue
            char = line[i]
            if char == "#":
                break
            if char in "\"'":
                delimiter = line[i : i + 3] if line[i : i + 3] in ('"""', "'''") else char
                self._quote = delimiter
                code.append('""')
                i += len(delimiter)
                end = self._string_end(line, i)
                if end < 0:
                    return "".join(code)
                i = end
                self._quote = ""
                continue
            if char in "([{":
                self._depth += 1
            elif char in ")]}":
                self._depth = max(self._depth - 1, 0)
            elif char == "\\" and i == n - 1:
                self._continued = True
                break
            code.append(char)
            i += 1
        return "".join(code)

    def _string_end(self, line: str, i: int) -> int:
        """Index just past the closing delimiter of the open string on ``line``, or -1."""
        quote = self._quote
        n = len(line)
        while i < n:
            if line[i] == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                return i + len(quote)
            i += 1
        if len(quote) == 1 and not line.endswith("\\"):
            self._quote = ""  # an unterminated one-line string (a syntax error): drop it
        return -1
