"""Labelled datasets: loaders for four formats, one sample model, and a content hash.

A :class:`Sample` is one file (or one file and one CWE) with a label. Datasets whose samples
already live in a tree (OWASP style, truth SARIF) are scanned in place; datasets of code
snippets (JSONL, SVEN pairs) are written out as real files first (:func:`materialise`) so
every analyzer, ours or a third-party one, scans ordinary files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vulnhound.errors import UsageError
from vulnhound.importers.common import cwe_ids
from vulnhound.importers.sarif import from_sarif
from vulnhound.languages import EXTENSIONS, language_from_extension
from vulnhound.walker import walk

FORMATS = ("owasp", "jsonl", "sarif", "sven")

# language -> file extension for materialised snippets (first extension listed wins).
_EXTENSION_OF: dict[str, str] = {}
for _ext, _lang in EXTENSIONS.items():
    _EXTENSION_OF.setdefault(_lang, _ext)


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled unit. ``path`` is relative (POSIX) to the tree that is scanned."""

    id: str
    path: str
    language: str
    vulnerable: bool
    cwe: tuple[str, ...]
    category: str
    lines: tuple[int, ...] = ()
    pair_id: str | None = None
    code: str | None = None  # snippet to write out
    source: Path | None = None  # existing file (copied when materialising, read for the hash)

    def content(self) -> bytes:
        if self.code is not None:
            return self.code.encode("utf-8")
        if self.source is not None:
            try:
                return self.source.read_bytes()
            except OSError as exc:
                raise UsageError(f"sample {self.id}: cannot read {self.source}: {exc}") from exc
        return b""


@dataclass(frozen=True)
class Dataset:
    name: str
    format: str
    origin: Path
    samples: tuple[Sample, ...]
    tree: Path | None  # scanned in place; None: materialise first
    hash: str

    @property
    def pairs(self) -> int:
        return len({s.pair_id for s in self.samples if s.pair_id})


def dataset_hash(samples: Iterable[Sample]) -> str:
    """sha256 over the canonical content of every sample (labels and file bytes), id order.

    Independent of where the dataset lies and of its format's layout, so a copy hashes the same.
    """
    digest = hashlib.sha256()
    for sample in sorted(samples, key=lambda s: s.id):
        record = {
            "id": sample.id,
            "path": sample.path,
            "language": sample.language,
            "vulnerable": sample.vulnerable,
            "cwe": list(sample.cwe),
            "category": sample.category,
            "lines": list(sample.lines),
            "pair_id": sample.pair_id,
            "content": hashlib.sha256(sample.content()).hexdigest(),
        }
        digest.update(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _make(name: str, fmt: str, origin: Path, samples: list[Sample], tree: Path | None) -> Dataset:
    if not samples:
        raise UsageError(f"{origin}: the dataset has no samples")
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise UsageError(f"{origin}: duplicate sample id {sample.id!r}")
        seen.add(sample.id)
    ordered = tuple(sorted(samples, key=lambda s: s.id))
    return Dataset(name, fmt, origin, ordered, tree, dataset_hash(ordered))


def _cwes(values: Any, where: str) -> tuple[str, ...]:
    items = values if isinstance(values, list) else [values] if values not in (None, "") else []
    found = cwe_ids(items)
    if len(found) < len(items):
        raise UsageError(f"{where}: not a CWE id in {values!r}")
    return found


# --- OWASP Benchmark style -------------------------------------------------------------


def load_owasp(directory: Path) -> Dataset:
    """``expectedresults*.csv`` (test name, category, real vulnerability, CWE) over a tree.

    A test's file is the one whose stem is the test name, anywhere under the directory.
    """
    tables = sorted(directory.glob("expectedresults*.csv"))
    if not tables:
        raise UsageError(f"{directory}: no expectedresults*.csv")
    by_stem: dict[str, list[Path]] = {}
    for candidate in walk([directory], respect_gitignore=False).candidates:
        by_stem.setdefault(candidate.absolute_path.stem, []).append(candidate.absolute_path)
    samples: list[Sample] = []
    for table in tables:
        with table.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                    continue
                where = f"{table.name}:{number}"
                if len(row) < 4:
                    raise UsageError(f"{where}: expected 4 columns (test name, category, real, CWE)")
                name, category, real, cwe = (c.strip() for c in row[:4])
                if real.lower() not in {"true", "false"}:
                    raise UsageError(f"{where}: 'real vulnerability' must be true or false, got {real!r}")
                files = by_stem.get(name, [])
                if len(files) != 1:
                    problem = "no file" if not files else f"{len(files)} files"
                    raise UsageError(f"{where}: {problem} named {name}.* under {directory}")
                path = files[0]
                samples.append(
                    Sample(
                        id=name,
                        path=path.relative_to(directory.resolve()).as_posix(),
                        language=language_from_extension(path.name) or "unknown",
                        vulnerable=real.lower() == "true",
                        cwe=_cwes(cwe, where),
                        category=category,
                        source=path,
                    )
                )
    return _make(directory.name, "owasp", directory, samples, directory.resolve())


# --- JSONL samples -------------------------------------------------------------------------


def _wrap_python(code: str) -> str:
    """An indented method out of its class is a syntax error; give it a class to live in."""
    first = next((line for line in code.splitlines() if line.strip()), "")
    if first[:1] in {" ", "\t"}:
        return "class _BenchSnippet:\n" + code
    return code


def _snippet_path(sample_id: str, language: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", sample_id).strip(".") or "sample"
    return f"{safe}{_EXTENSION_OF.get(language, '.txt')}"


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise UsageError(f"{path}:{number}: each line must be a JSON object")
        rows.append((number, row))
    return rows


def load_jsonl(path: Path) -> Dataset:
    """``{id, language, path | code, label: vulnerable|safe, cwe: [...], lines?, pair_id?, category?}``.

    ``path`` is relative to the JSONL file's directory.
    """
    samples: list[Sample] = []
    for number, row in _read_jsonl(path):
        where = f"{path.name}:{number}"
        sample_id = str(row.get("id", "")).strip()
        if not sample_id:
            raise UsageError(f"{where}: missing 'id'")
        label = str(row.get("label", "")).lower()
        if label not in {"vulnerable", "safe"}:
            raise UsageError(f"{where}: 'label' must be 'vulnerable' or 'safe', got {row.get('label')!r}")
        cwe = _cwes(row.get("cwe"), where)
        code, source_path = row.get("code"), row.get("path")
        if (code is None) == (source_path is None):
            raise UsageError(f"{where}: give exactly one of 'code' and 'path'")
        if code is not None:
            language = str(row.get("language") or "python").lower()
            rel = _snippet_path(sample_id, language)
            text = _wrap_python(str(code)) if language == "python" else str(code)
            source: Path | None = None
        else:
            source = (path.parent / str(source_path)).resolve()
            if not source.is_file():
                raise UsageError(f"{where}: no such file {source_path}")
            rel = Path(str(source_path)).as_posix().lstrip("./") or source.name
            language = str(row.get("language") or language_from_extension(source.name) or "unknown")
            text = None
        lines = row.get("lines") or []
        pair = row.get("pair_id")
        samples.append(
            Sample(
                id=sample_id,
                path=rel,
                language=language,
                vulnerable=label == "vulnerable",
                cwe=cwe,
                category=str(row.get("category") or (cwe[0] if cwe else "none")),
                lines=tuple(int(n) for n in lines if isinstance(n, int)),
                pair_id=str(pair) if pair not in (None, "") else None,
                code=text,
                source=source,
            )
        )
    return _make(path.stem, "jsonl", path, samples, None)


# --- SVEN / SafeCoder pairs -----------------------------------------------------------------


def load_sven(path: Path) -> Dataset:
    """One vulnerable and one fixed sample per line, sharing ``pair_id`` = the line's id."""
    samples: list[Sample] = []
    for number, row in _read_jsonl(path):
        where = f"{path.name}:{number}"
        missing = [k for k in ("id", "cwe", "vulnerable_code", "fixed_code") if k not in row]
        if missing:
            raise UsageError(f"{where}: missing {', '.join(missing)}")
        pair = str(row["id"])
        cwe = _cwes(row["cwe"], where)
        name = Path(str(row.get("file") or "snippet.py")).name
        if language_from_extension(name) != "python":
            name += ".py"
        for kind, code_key, lines_key, vulnerable in (
            ("vulnerable", "vulnerable_code", "vulnerable_lines", True),
            ("fixed", "fixed_code", "fixed_lines", False),
        ):
            samples.append(
                Sample(
                    id=f"{pair}/{kind}",
                    path=f"{pair}/{kind}/{name}",
                    language="python",
                    vulnerable=vulnerable,
                    cwe=cwe,
                    category=cwe[0] if cwe else "none",
                    lines=tuple(int(n) for n in row.get(lines_key) or [] if isinstance(n, int)),
                    pair_id=pair,
                    code=_wrap_python(str(row[code_key])),
                )
            )
    return _make(path.stem, "sven", path, samples, None)


# --- Truth SARIF ---------------------------------------------------------------------------


def load_truth_sarif(path: Path, tree: Path | None = None) -> Dataset:
    """Expected results as SARIF over a source tree (default: the SARIF file's directory).

    Each (file, CWE) with a result is a vulnerable sample; a result of ``kind: "pass"`` marks
    (file, CWE) safe. Every other source file under the tree is a safe sample with no CWE,
    category ``none``: any finding in it is a false positive.
    """
    root = (tree or path.parent).resolve()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read truth SARIF {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise UsageError(f"{path}: not a SARIF document")
    passing = {
        "runs": [
            {
                **run,
                "results": [{**r, "kind": "fail"} for r in run.get("results", []) if r.get("kind") == "pass"],
            }
            for run in document["runs"]
            if isinstance(run, dict)
        ]
    }
    labels: dict[tuple[str, str], bool] = {}
    for findings, vulnerable in ((from_sarif(passing), False), (from_sarif(document), True)):
        for finding in findings:
            rel = _relative(finding.location.path, root)
            if not finding.cwe:
                raise UsageError(f"{path}: expected result in {rel} names no CWE")
            for cwe in finding.cwe[:1]:  # the most specific CWE is the label
                labels[(rel, cwe)] = labels.get((rel, cwe), False) or vulnerable
    samples: list[Sample] = []
    labelled = {rel for rel, _ in labels}
    for (rel, cwe), vulnerable in labels.items():
        file = root / rel
        if not file.is_file():
            raise UsageError(f"{path}: expected result in {rel}, which is not under {root}")
        language = language_from_extension(file.name) or "unknown"
        samples.append(Sample(f"{rel}#{cwe}", rel, language, vulnerable, (cwe,), cwe, source=file))
    for candidate in walk([root], respect_gitignore=False).candidates:
        if candidate.path not in labelled:
            samples.append(
                Sample(
                    candidate.path,
                    candidate.path,
                    candidate.language,
                    False,
                    (),
                    "none",
                    source=candidate.absolute_path,
                )
            )
    return _make(path.stem, "sarif", path, samples, root)


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix().removeprefix("./")


# --- Detection and materialising -----------------------------------------------------------


def detect_format(path: Path) -> str:
    if path.is_dir():
        if any(path.glob("expectedresults*.csv")):
            return "owasp"
        raise UsageError(f"{path}: a dataset directory must hold expectedresults*.csv")
    if not path.is_file():
        raise UsageError(f"no such dataset: {path}")
    name = path.name.lower()
    if name.endswith((".sarif", ".sarif.json")):
        return "sarif"
    if name.endswith(".csv"):
        return "owasp"
    rows = _read_jsonl(path)
    if rows and {"vulnerable_code", "fixed_code"} <= rows[0][1].keys():
        return "sven"
    if rows and "label" in rows[0][1]:
        return "jsonl"
    raise UsageError(f"{path}: cannot tell the dataset format; pass --format ({', '.join(FORMATS)})")


def load_dataset(path: Path | str, fmt: str | None = None, tree: Path | None = None) -> Dataset:
    """Load a dataset, detecting its format unless ``fmt`` is given."""
    where = Path(path)
    kind = fmt or detect_format(where)
    if kind == "owasp":
        return load_owasp(where.parent if where.is_file() else where)
    if kind == "jsonl":
        return load_jsonl(where)
    if kind == "sven":
        return load_sven(where)
    if kind == "sarif":
        return load_truth_sarif(where, tree)
    raise UsageError(f"unknown dataset format {kind!r} (known: {', '.join(FORMATS)})")


def materialise(dataset: Dataset, work_dir: Path) -> Path:
    """The directory to scan: the dataset's own tree, or its samples written under ``work_dir``.

    Writing is idempotent (same hash, same files), so resumed runs reuse the tree.
    """
    if dataset.tree is not None:
        return dataset.tree
    root = (work_dir / f"samples-{dataset.hash[:16]}").resolve()
    write_samples(dataset, root)
    return root


def write_samples(dataset: Dataset, destination: Path) -> Path:
    """Write every sample's file under ``destination``, keeping relative paths.

    Used to materialise snippets and to hand the same files to third-party tools, whose
    results are then imported (``--analyzer import:FILE``).
    """
    written: dict[str, bytes] = {}
    for sample in dataset.samples:
        data = sample.content()
        if written.setdefault(sample.path, data) != data:
            raise UsageError(f"samples with different content share the path {sample.path}")
    for rel, data in written.items():
        target = destination / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return destination
