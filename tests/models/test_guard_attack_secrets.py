"""Planted secrets against a foreign-cloud model, end to end.

Every case of the secret corpus (tests/guard/secret_corpus.py: about 100 kinds and
placements) is planted in one repository; a scan hunts every code unit and triages every
finding through a real loopback server whose "model" quotes every placeholder it sees.
No planted secret may appear in any request the server received (decoded, so JSON escapes
cannot hide one) nor in any report of the scan.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .servers import ScriptedServer

_CORPUS = Path(__file__).resolve().parents[1] / "guard" / "secret_corpus.py"
_spec = importlib.util.spec_from_file_location("secret_corpus_for_models", _CORPUS)
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = corpus  # dataclasses look their module up there
_spec.loader.exec_module(corpus)

PLACEHOLDER = re.compile(r"<<VH_SECRET_\d+>>")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _brain(prompt: str) -> dict[str, Any]:
    quoted = " ".join(sorted(set(PLACEHOLDER.findall(prompt)))) or "-"
    if "Is this finding a true positive?" in prompt:
        return {"verdict": "true_positive", "rationale": f"live: {quoted}", "confidence": 0.9}
    lines = [int(n) for n in re.findall(r"^\s*(\d+) \| .*<<VH_SECRET_", prompt, re.MULTILINE)]
    item = {"cwe": "CWE-200", "severity": "high", "title": quoted, "explanation": quoted, "confidence": 0.9}
    return {"findings": [{**item, "line": n} for n in lines[:5]]}


def test_no_planted_secret_reaches_the_model_or_a_report(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    files = {f"c{i:03d}/{case.path}": case.text for i, case in enumerate(corpus.CASES)}
    secrets = {s for case in corpus.CASES for s in case.secrets}
    assert len(corpus.CASES) >= 60 and len(secrets) >= 60
    with ScriptedServer("openai", _brain) as server:
        config = (
            f'[[models]]\nname = "cloud"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m"\n'
            'zone = "foreign-cloud"\ntimeout_s = 5\nmax_concurrency = 16\n'
        )
        root = write_tree(tmp_path / "repo", {**files, "vulnhound.toml": config})
        outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "text", "markdown")}
        flags = [item for fmt, path in outputs.items() for item in (f"--{fmt}-output", path)]
        done = cli("scan", root, "--model", "cloud", "--hunt", "--triage", "--no-cache", *flags, timeout=600)
    assert done.returncode == 1, done.stderr
    assert server.count > 100  # the code really was sent, redacted
    wire = [s for body in server.requests for s in _strings(body)]
    leaked = sorted(s for s in secrets for text in wire if s in text)
    assert leaked == []
    # Each secret's own line piece, for multi-line secrets (a PEM block is sent line by line).
    pieces = {p.strip() for s in secrets for p in s.splitlines() if len(p.strip()) >= 8}
    assert sorted(p for p in pieces for text in wire if p in text) == []
    reports = {fmt: path.read_text(encoding="utf-8") for fmt, path in outputs.items()}
    reports["stdout"] = done.stdout
    in_reports = sorted({(name, s) for name, text in reports.items() for s in pieces | secrets if s in text})
    assert in_reports == []
    doc = json.loads(reports["json"])
    assert sum(1 for f in doc["findings"] if "CWE-798" in f["cwe"]) >= 60
