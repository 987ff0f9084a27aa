"""Score vulnhound (and, as the peer, Bandit) on PySec-Dev: 126 real PyPI advisories.

Each advisory is a pair of released trees (the last vulnerable and the first fixed PyPI
release) with the functions its fix commit changed labelled on both sides. This script scans
every tree whole with the real CLI, exactly as shipped, then scores the results with the
dataset's own scorer (``pysec_dev.py score``); it computes no metric itself, it only groups the
scorer's per-advisory rows by CWE family and adds up scan times.

    # materialize once (downloads ~0.8 GB from PyPI): python3 pysec_dev.py materialize --out DATA
    .venv/bin/python benchmarks/pysec_eval.py --data DATA --bandit --write-docs
    .venv/bin/python benchmarks/pysec_eval.py --data DATA --vulnhound-args "--taint-parameters" --label X

Per tree it records exit code, wall and CPU time (the scan process and its workers), peak
memory, output size and whether it failed, timed out or had nothing to analyse. A scan that
fails or times out gets an empty result file in its place, so its advisory is scored as
"nothing found" instead of silently leaving the denominator. Results, logs and a summary
(``pysec-eval.json``) stay in ``--results``; with ``--write-docs`` the "pysec-dev" section of
docs/quality.md is replaced, keeping the rows of its history table from other labels.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _docsection import write_section
from _runinfo import git_head, machine

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASET = REPO.parent / "shared" / "datasets" / "pysec-dev"
DOC = REPO / "docs" / "quality.md"
SECTION = "pysec-dev"
SIDES = ("vulnerable", "fixed")
OK_EXIT = {"vulnhound": (0, 1, 3), "bandit": (0, 1)}  # vulnhound 3: nothing could be analysed
# Fixed flags for every vulnhound scan; --vulnhound-args come after them (and win).
VULNHOUND_FLAGS = ("--fail-on", "critical", "--no-gitignore", "--offline", "--jobs", "1")
BANDIT = (sys.executable, "-m", "bandit", "-q", "-r")

# Report groups of advisory CWEs, as in the dataset README's "By family" line. They only
# group the scorer's rows for the table; the CWE matching itself is the scorer's.
FAMILY_GROUPS: tuple[tuple[str, frozenset[int]], ...] = (
    ("XSS / output escaping", frozenset([*range(79, 88), 116])),
    ("authentication / authorisation", frozenset([269, 284, 285, 287, 288, 290, 305, 306, 639, 862, 863])),
    ("path traversal", frozenset([*range(22, 41), 59, 73])),
    ("credentials", frozenset([522])),
    (
        "crypto / signatures / randomness / TLS",
        frozenset(
            [325, 326, 327, 328, 916, *range(330, 339), 345, 347, 295, 297, 311, 319, 523, 203, 208, 385]
        ),
    ),
    ("open redirect", frozenset([601])),
    ("CSRF", frozenset([352])),
    ("command injection", frozenset([77, 78, 88])),
    ("other injection (74/89/93/1236)", frozenset([74, 89, 564, 93, 113, 1236])),
    ("deserialisation", frozenset([502])),
    ("code / template injection", frozenset([94, 95, 96, 917, 1336])),
    ("ReDoS", frozenset([1333, 185])),
    ("XML", frozenset([611, 776, 827])),
    ("upload", frozenset([434])),
    ("SSRF", frozenset([918])),
    ("temp files", frozenset([377, 378, 379])),
)

HISTORY_HEADER = (
    "| label | scanner | date | scan flags | recall CWE micro / macro | recall any micro / macro "
    "| fixed still flagged CWE / any | pair-correct CWE / any | findings per KLOC | scan wall / CPU s "
    "| failed / timed out |"
)
HISTORY_RULE = "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"


# ------------------------------------------------------------------------------ scanning


@dataclass(frozen=True)
class Job:
    tool: str
    advisory: str
    side: str
    tree: Path
    output: Path
    log: Path
    command: tuple[str, ...]
    size: int  # bytes of .py files, to start the biggest trees first


@dataclass
class TreeRun:
    tool: str
    advisory: str
    side: str
    status: str  # ok | nothing-analysed | timeout | failed | missing-tree
    exit_code: int | None
    wall_s: float
    cpu_s: float
    peak_mb: float
    output_bytes: int
    findings: int | None
    files_analyzed: int | None
    files_not_analyzed: int | None
    detail: str = ""


def py_bytes(tree: Path) -> int:
    total = 0
    for directory, _, names in os.walk(tree):
        for name in names:
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(directory, name)).st_size
    return total


def child_env(source: Path | None = None) -> dict[str, str]:
    """The outer environment without VULNHOUND_* settings, importing vulnhound from ``source``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNHOUND_")}
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [env.get("PYTHONPATH")])])
    return env


def snapshot_source(results: Path) -> tuple[Path, str]:
    """Copy src/vulnhound as it is now, so that edits made during a long run do not reach it.

    Returns the folder to put first on PYTHONPATH and a digest of the copied files.
    """
    target = results / "src-snapshot"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        REPO / "src" / "vulnhound", target / "vulnhound", ignore=shutil.ignore_patterns("__pycache__")
    )
    digest = hashlib.sha256()
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        digest.update(path.relative_to(target).as_posix().encode() + b"\0" + path.read_bytes())
    return target, digest.hexdigest()[:12]


def measured(
    command: Sequence[str], log: Path, timeout: float, cwd: Path, env: dict[str, str]
) -> tuple[int | None, float, float, float, bool]:
    """Run a command in its own process group: exit code, wall s, CPU s, peak MB, timed out.

    CPU time and peak memory come from wait4, so they cover the process and the workers it
    reaped. On timeout the whole group is killed.
    """
    timed_out = threading.Event()
    with log.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if timed_out.is_set():  # leftovers of the group (workers) go too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    cpu = usage.ru_utime + usage.ru_stime
    return code, wall, cpu, usage.ru_maxrss / 1024, timed_out.is_set()


def placeholder(tool: str, reason: str) -> str:
    """An empty result in the tool's format: the advisory is scored as 'nothing found'."""
    if tool == "bandit":
        return json.dumps({"results": [], "errors": [{"reason": reason}], "placeholder": reason})
    run = {"tool": {"driver": {"name": "vulnhound"}}, "results": [], "properties": {"placeholder": reason}}
    return json.dumps({"version": "2.1.0", "runs": [run]})


def summarize_output(tool: str, output: Path) -> tuple[int | None, int | None, int | None, bool]:
    """Findings, files analysed, files not analysed, and whether nothing was analysed."""
    try:
        doc = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None, None, False
    if tool == "bandit":
        errors = len(doc.get("errors") or [])
        return len(doc.get("results") or []), None, errors, False
    runs = doc.get("runs") or [{}]
    props = runs[0].get("properties") or {}
    return (
        len(runs[0].get("results") or []),
        props.get("filesAnalyzed"),
        props.get("filesNotAnalyzed"),
        bool(props.get("nothingAnalysed")),
    )


def tail(path: Path, limit: int = 400) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(text[-limit:].split())


def run_job(job: Job, timeout: float, cwd: Path, env: dict[str, str]) -> TreeRun:
    job.output.parent.mkdir(parents=True, exist_ok=True)
    job.output.unlink(missing_ok=True)  # never score a stale file from an earlier run
    code, wall, cpu, peak, timed_out = measured(job.command, job.log, timeout, cwd, env)
    detail = ""
    if timed_out:
        status, detail = "timeout", f"killed after {timeout:g} s"
    elif code not in OK_EXIT[job.tool] or not job.output.is_file():
        status, detail = "failed", f"exit {code}: {tail(job.log)}"
    else:
        status = "ok"
    if status != "ok":
        job.output.unlink(missing_ok=True)
        job.output.write_text(placeholder(job.tool, f"{status}: {detail}"), encoding="utf-8")
        findings = analyzed = not_analyzed = None
    else:
        findings, analyzed, not_analyzed, nothing = summarize_output(job.tool, job.output)
        if nothing or (job.tool == "vulnhound" and code == 3):
            status = "nothing-analysed"
            detail = tail(job.log)
    return TreeRun(
        job.tool,
        job.advisory,
        job.side,
        status,
        code,
        round(wall, 3),
        round(cpu, 3),
        round(peak, 1),
        job.output.stat().st_size,
        findings,
        analyzed,
        not_analyzed,
        detail,
    )


def build_jobs(
    advisories: Sequence[str],
    data: Path,
    results: Path,
    tools: Sequence[str],
    extra: Sequence[str],
    model_config: Path | None = None,
) -> tuple[list[Job], list[TreeRun]]:
    config = results / "empty-vulnhound.toml"  # given as --config: no scanned project's settings apply
    config.write_text("# pysec_eval: defaults only\n", encoding="utf-8")
    flags: tuple[str, ...] = VULNHOUND_FLAGS
    if model_config is not None:  # a model run: its configuration, and no --offline
        config = model_config.resolve()
        flags = tuple(f for f in VULNHOUND_FLAGS if f != "--offline")
    jobs, missing = [], []
    for advisory in advisories:
        for side in SIDES:
            tree = data / advisory / side
            if not tree.is_dir():
                for tool in tools:
                    missing.append(
                        TreeRun(tool, advisory, side, "missing-tree", None, 0, 0, 0, 0, None, None, None)
                    )
                continue
            size = py_bytes(tree)
            for tool in tools:
                if tool == "vulnhound":
                    output = results / advisory / f"{side}.sarif"
                    command: tuple[str, ...] = (
                        sys.executable, "-m", "vulnhound", "scan", str(tree), "-f", "sarif", "-o", str(output),
                        "--config", str(config), *flags, *extra,
                    )  # fmt: skip
                else:
                    output = results / "bandit" / advisory / f"{side}.json"
                    command = (*BANDIT, str(tree), "-f", "json", "-o", str(output))
                log = results / "logs" / f"{advisory}.{side}.{tool}.log"
                jobs.append(Job(tool, advisory, side, tree, output, log, command, size))
    jobs.sort(key=lambda j: -j.size)
    return jobs, missing


def scan_all(
    jobs: Sequence[Job], workers: int, timeout: float, cwd: Path, env: dict[str, str]
) -> list[TreeRun]:
    (cwd / "logs").mkdir(parents=True, exist_ok=True)
    if not jobs:
        return []
    done: list[TreeRun] = []
    lock = threading.Lock()

    def one(job: Job) -> TreeRun:
        run = run_job(job, timeout, cwd, env)
        with lock:
            done.append(run)
            print(
                f"[{len(done)}/{len(jobs)}] {run.tool:9} {run.advisory:15} {run.side:10} {run.status:16} "
                f"exit {run.exit_code} {run.wall_s:7.1f} s wall {run.cpu_s:7.1f} s CPU {run.peak_mb:6.0f} MB "
                f"findings {run.findings}",
                flush=True,
            )
        return run

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, jobs))


# ------------------------------------------------------------------------------- scoring


def run_scorer(dataset: Path, data: Path, results: Path, fmt: str, report: Path) -> dict[str, Any]:
    """The dataset's own scorer, as a subprocess; its table goes to a text file beside the report."""
    command = [
        sys.executable, str(dataset / "pysec_dev.py"), "--data", str(dataset / "pysec-dev.jsonl"),
        "score", "--out", str(data), "--results-dir", str(results), "--format", fmt, "--report", str(report),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=child_env())
    report.with_suffix(".txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0 or not report.is_file():
        raise SystemExit(f"scorer failed ({done.returncode}): {done.stderr[-2000:]}")
    scores: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return scores


def family_of(cwes: Sequence[str]) -> str:
    numbers = [int(m.group(1)) for c in cwes if (m := re.search(r"(\d+)", str(c)))]
    for name, members in FAMILY_GROUPS:
        if numbers and numbers[0] in members:
            return name
    return f"other ({', '.join(cwes)})"


@dataclass
class FamilyRow:
    advisories: int = 0
    functions: int = 0
    hit_cwe: int = 0
    hit_any: int = 0
    pair_correct: int = 0


def by_family(scores: dict[str, Any]) -> dict[str, FamilyRow]:
    rows: dict[str, FamilyRow] = {}
    for adv in scores["advisories"]:
        row = rows.setdefault(family_of(adv["cwe"]), FamilyRow())
        row.advisories += 1
        row.functions += adv["vf"]
        row.hit_cwe += adv["hit_cwe"]
        row.hit_any += adv["hit_any"]
        row.pair_correct += bool(adv["pair_correct"])
    return dict(sorted(rows.items(), key=lambda kv: (-kv[1].advisories, kv[0])))


def totals(scores: dict[str, Any]) -> dict[str, int]:
    keys = ("vf", "hit_any", "hit_cwe", "ff", "fix_any", "fix_cwe")
    return {k: sum(int(a[k]) for a in scores["advisories"]) for k in keys}


# ------------------------------------------------------------------------------ reporting


def pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "-"


def frac(part: int, whole: int) -> str:
    return f"{part} / {whole} = {pct(part, whole)}"


def tool_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class ToolResult:
    name: str  # vulnhound | bandit
    version: str
    flags: str
    runs: list[TreeRun]
    scores: dict[str, Any]
    elapsed_s: float  # wall time of this scanner's phase (its trees run in parallel)

    @property
    def wall_s(self) -> float:
        return sum(r.wall_s for r in self.runs)

    @property
    def cpu_s(self) -> float:
        return sum(r.cpu_s for r in self.runs)

    def count(self, *statuses: str) -> int:
        return sum(r.status in statuses for r in self.runs)


def metric_rows(results: Sequence[ToolResult]) -> list[str]:
    head = "| metric | " + " | ".join(f"{r.name} {r.version}" for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]

    def row(label: str, cell: Callable[[ToolResult, dict[str, Any], dict[str, int]], str]) -> None:
        cells = [cell(r, r.scores["overall"], totals(r.scores)) for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("advisories scored", lambda r, o, t: str(o["advisories_scored"]))
    row("right-CWE recall, micro (vulnerable functions)", lambda r, o, t: frac(t["hit_cwe"], t["vf"]))
    row("right-CWE recall, macro (advisories)", lambda r, o, t: pct(o["macro_recall_cwe"], 1))
    row("recall any finding, micro", lambda r, o, t: frac(t["hit_any"], t["vf"]))
    row("recall any finding, macro", lambda r, o, t: pct(o["macro_recall_any"], 1))
    row("fixed functions still flagged, CWE (lower is better)", lambda r, o, t: frac(t["fix_cwe"], t["ff"]))
    row("fixed functions still flagged, any (lower is better)", lambda r, o, t: frac(t["fix_any"], t["ff"]))
    row("pair-correct advisories, CWE", lambda r, o, t: f"{o['pair_correct']} / {o['advisories_scored']}")
    row("pair-correct advisories, any", lambda r, o, t: f"{o['pair_correct_any']} / {o['advisories_scored']}")
    row(
        "findings per KLOC, non-test code of vulnerable releases",
        lambda r, o, t: (
            f"{o['findings_vulnerable_non_test']:,} / {o['kloc_vulnerable_non_test']:,.0f} = "
            f"{o['findings_per_kloc'] or 0:.2f}"
        ),
    )
    row("scan phase, elapsed", lambda r, o, t: f"{r.elapsed_s / 60:,.1f} min")
    row("scan time, sum over trees: wall / CPU", lambda r, o, t: f"{r.wall_s:,.0f} s / {r.cpu_s:,.0f} s")
    row("trees failed / timed out / nothing analysed", lambda r, o, t: (
        f"{r.count('failed', 'missing-tree')} / {r.count('timeout')} / {r.count('nothing-analysed')}"
    ))  # fmt: skip
    return lines


def family_rows(results: Sequence[ToolResult]) -> list[str]:
    families = {name: by_family(r.scores) for name, r in ((r.name, r) for r in results)}
    first = families[results[0].name]
    cols = "".join(f" {r.name} recall CWE | {r.name} recall any | {r.name} pair-correct |" for r in results)
    lines = [
        "| family | advisories | vulnerable functions |" + cols,
        "|---|---:|---:|" + "---:|" * 3 * len(results),
    ]
    for name, base in first.items():
        cells = []
        for r in results:
            fam = families[r.name].get(name, FamilyRow())
            cells += [
                frac(fam.hit_cwe, fam.functions),
                pct(fam.hit_any, fam.functions),
                str(fam.pair_correct),
            ]
        lines.append(f"| {name} | {base.advisories} | {base.functions} | " + " | ".join(cells) + " |")
    return lines


def history_row(label: str, date: str, r: ToolResult) -> str:
    o, t = r.scores["overall"], totals(r.scores)
    cells = [
        label,
        f"{r.name} {r.version}",
        date,
        f"`{r.flags}`" if r.flags else "defaults",
        f"{pct(t['hit_cwe'], t['vf'])} / {pct(o['macro_recall_cwe'], 1)}",
        f"{pct(t['hit_any'], t['vf'])} / {pct(o['macro_recall_any'], 1)}",
        f"{pct(t['fix_cwe'], t['ff'])} / {pct(t['fix_any'], t['ff'])}",
        f"{o['pair_correct']} / {o['pair_correct_any']} of {o['advisories_scored']}",
        f"{o['findings_per_kloc'] or 0:.2f}",
        f"{r.wall_s:,.0f} / {r.cpu_s:,.0f}",
        f"{r.count('failed', 'missing-tree')} / {r.count('timeout')}",
    ]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def split_cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def read_section(doc: Path, name: str = SECTION) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if start in text and end in text:
        return text.partition(start)[2].partition(end)[0]
    return ""


def merge_history(old_section: str, new_rows: Sequence[str]) -> list[str]:
    """Earlier rows, except those with the same label, scanner and flags as a new one, then the new."""
    lines = old_section.splitlines()
    old: list[str] = []
    if HISTORY_HEADER in lines:
        for line in lines[lines.index(HISTORY_HEADER) + 2 :]:
            if not line.startswith("|"):
                break
            old.append(line)

    def key(row: str) -> tuple[str, ...]:
        cells = split_cells(row)
        scanner = cells[1].split(" ")[0] if len(cells) > 1 else ""
        return (cells[0], scanner, cells[3] if len(cells) > 3 else "")

    replaced = {key(r) for r in new_rows}
    return [r for r in old if key(r) not in replaced] + list(new_rows)


def notes(results: Sequence[ToolResult]) -> list[str]:
    out = []
    for r in results:
        pairs = [a for a in r.scores["advisories"] if a["pair_correct"]]
        listed = ", ".join(f"{a['id']} ({'/'.join(a['cwe'])})" for a in pairs) or "none"
        out.append(f"- {r.name} pair-correct (CWE) advisories: {listed}.")
        slow = sorted(r.runs, key=lambda x: -x.wall_s)[:3]
        out.append(
            f"- {r.name} slowest trees: "
            + ", ".join(f"{x.advisory}/{x.side} {x.wall_s:.0f} s ({x.peak_mb:.0f} MB)" for x in slow)
            + "; largest output: "
            + ", ".join(
                f"{x.advisory}/{x.side} {x.output_bytes / 2**20:.1f} MiB"
                for x in sorted(r.runs, key=lambda x: -x.output_bytes)[:2]
            )
            + "."
        )
        bad = [x for x in r.runs if x.status != "ok"]
        for x in bad[:10]:
            out.append(f"- {r.name} {x.advisory}/{x.side}: {x.status}; {x.detail[:200]}")
        if len(bad) > 10:
            out.append(f"- {r.name}: {len(bad) - 10} more trees not ok, listed in pysec-eval.json.")
    return out


INTRO = """\
## 3. Real advisories (pysec-dev)

`../shared/datasets/pysec-dev/`: 126 real PyPA advisories (97 projects, 43 CWE ids), each a pair
of PyPI releases (the last vulnerable and the first fixed one) with the functions that the fix
commit changed labelled on both sides (322 vulnerable, 402 fixed functions). Materialize the
releases once with the dataset's `pysec_dev.py materialize --out DATA` (about 0.8 GB from PyPI),
then:

    .venv/bin/python benchmarks/pysec_eval.py --data DATA --bandit --write-docs [--label X] [--vulnhound-args "..."]

`benchmarks/pysec_eval.py` scans each of the 252 release trees whole with the real CLI, as
shipped (`vulnhound scan TREE -f sarif --config <empty file> --fail-on critical --no-gitignore
--offline --jobs 1`, so no project's own settings or ignore files apply; several trees in
parallel, 600 s per tree), runs Bandit (`bandit -q -r TREE -f json`) on the same trees with
`--bandit`, and scores both with the dataset's own scorer (`pysec_dev.py score`). The scans
import vulnhound from a copy of `src/` taken when the run starts. No metric is
computed here; the family table only groups the scorer's per-advisory rows (families as in the
dataset README). A tree whose scan fails or times out is scored as finding nothing and counted
in the failures row.

What the numbers mean (the scorer's definitions): **right-CWE recall** is the share of labelled
vulnerable functions with a finding of the advisory's CWE family starting inside them (micro:
over functions; macro: averaged over advisories); **recall any** counts any finding; **fixed
still flagged** is the same on the fixed release's labelled functions (lower is better);
**pair-correct** advisories have a right-CWE finding in a vulnerable labelled function and none
in any fixed one; **findings per KLOC** counts all findings in non-test `.py` files of the
vulnerable releases. Caveats: labels are the functions a fix changed, not always where the flaw
is, and large functions make "any finding inside" easy; much of this code is library code whose
inputs arrive as parameters: by default only parameters named for outside data (url, filename,
command, title...) are sources there (`--vulnhound-args "--taint-parameters"` measures the mode
where every parameter is). A development set: tune mechanisms, not items.
"""


def section(meta: dict[str, Any], results: Sequence[ToolResult], history: Sequence[str]) -> str:
    vh = results[0]
    lines = [
        INTRO,
        f"### Latest run: {meta['label']}",
        "",
        f"- Machine: {meta['machine']}",
        f"- Date: {meta['date']}; commit {meta['commit']}"
        + (" with uncommitted changes in src/ (measured too)" if meta["dirty"] else "")
        + f" (digest of the scanned src/vulnhound: {meta['source_digest']})"
        + f"; vulnhound {vh.version}"
        + (f", Bandit {results[1].version}" if len(results) > 1 else ""),
        f"- Command: `{meta['command']}`",
        f"- Scan flags added: `{vh.flags}`" if vh.flags else "- Scan flags added: none",
        f"- Run time: {meta['elapsed_s'] / 60:.1f} min for everything ({meta['jobs']} scans in parallel, "
        f"{meta['timeout_s']:g} s limit per tree; one scanner at a time)",
        "",
        *metric_rows(results),
        "",
        "Right-CWE recall per family (advisories grouped by their CWE):",
        "",
        *family_rows(results),
        "",
        *notes(results),
        "",
        "### History",
        "",
        "One row per label, scanner and flags; a rerun with the same label replaces its rows.",
        "",
        HISTORY_HEADER,
        HISTORY_RULE,
        *history,
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- main


def glue_flag_values(argv: Sequence[str], flag: str) -> list[str]:
    """``--flag "--x"`` as ``--flag=--x``: argparse takes a value starting with -- for a flag."""
    out: list[str] = []
    items = iter(argv)
    for item in items:
        out.append(f"{flag}={next(items, '')}" if item == flag else item)
    return out


def advisory_ids(dataset: Path) -> list[str]:
    with (dataset / "pysec-dev.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line)["id"] for line in handle if line.strip()]


def clear_results(results: Path, ids: Sequence[str]) -> None:
    """Remove result files of an earlier run in the same folder: the scorer must see only this one's."""
    for advisory in ids:
        for side in SIDES:
            (results / advisory / f"{side}.sarif").unlink(missing_ok=True)
            (results / "bandit" / advisory / f"{side}.json").unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="materialized dataset (DATA/<id>/<side>)")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="folder of pysec_dev.py")
    parser.add_argument(
        "--results", type=Path, help="where results go (default: a new temporary folder, kept)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="scans in parallel (each scan uses --jobs 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per tree")
    parser.add_argument("--vulnhound-args", default="", help='extra scan flags, e.g. "--taint-parameters"')
    parser.add_argument(
        "--model-config",
        type=Path,
        help="a vulnhound.toml with [[models]] for model runs (--vulnhound-args names --model ...); "
        "scans then run without --offline",
    )
    parser.add_argument("--bandit", action="store_true", help="also run Bandit on every tree (the peer row)")
    parser.add_argument("--label", help="row label (default: git short HEAD, +wip when src/ is dirty)")
    parser.add_argument("--report", type=Path, help="write the scorer's JSON report here too")
    parser.add_argument("--write-docs", action="store_true", help="replace the section in docs/quality.md")
    parser.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)
    parser.add_argument("--ids", default="", help="comma-separated advisory ids only (quick checks)")
    raw = list(argv if argv is not None else sys.argv[1:])
    args = parser.parse_args(glue_flag_values(raw, "--vulnhound-args"))

    started = time.perf_counter()
    data = args.data.resolve()
    dataset = args.dataset.resolve()
    results = (args.results or Path(tempfile.mkdtemp(prefix="pysec-eval-"))).resolve()
    results.mkdir(parents=True, exist_ok=True)
    commit, dirty = git_head(REPO)
    source, source_digest = snapshot_source(results)
    env = child_env(source)
    probe = [sys.executable, "-c", "import vulnhound; print(vulnhound.__file__)"]
    imported = subprocess.run(probe, capture_output=True, text=True, env=env, check=False).stdout.strip()
    if not imported.startswith(str(source)):
        raise SystemExit(f"scans would not import the snapshot in {source} but {imported!r}")
    label = args.label or commit + ("+wip" if dirty else "")
    extra = shlex.split(args.vulnhound_args)
    tools = ["vulnhound", "bandit"] if args.bandit else ["vulnhound"]
    every = advisory_ids(dataset)
    clear_results(results, every)
    ids = [i for i in every if i in set(args.ids.split(","))] if args.ids else every
    print(f"pysec-dev: {len(ids)} advisories, {tools}, results in {results}", flush=True)

    jobs, missing = build_jobs(ids, data, results, tools, extra, args.model_config)
    runs, phase_s = list(missing), {}
    for tool in tools:  # one scanner at a time, so neither slows the other down
        phase_start = time.perf_counter()
        runs += scan_all([j for j in jobs if j.tool == tool], args.jobs, args.timeout, results, env)
        phase_s[tool] = time.perf_counter() - phase_start
    for run in missing:
        placeholder_path = (
            results / run.advisory / f"{run.side}.sarif"
            if run.tool == "vulnhound"
            else results / "bandit" / run.advisory / f"{run.side}.json"
        )
        placeholder_path.parent.mkdir(parents=True, exist_ok=True)
        placeholder_path.write_text(placeholder(run.tool, "tree not materialized"), encoding="utf-8")

    outcome: list[ToolResult] = []
    for tool in tools:
        tool_dir = results if tool == "vulnhound" else results / "bandit"
        report = results / f"scores-{tool}.json"
        scores = run_scorer(dataset, data, tool_dir, "sarif" if tool == "vulnhound" else "bandit", report)
        if args.report:
            target = (
                args.report
                if tool == "vulnhound"
                else args.report.with_name(f"{args.report.stem}-bandit.json")
            )
            target.write_text(report.read_text(encoding="utf-8"), encoding="utf-8")
        tool_runs = [r for r in runs if r.tool == tool]
        version = tool_version(tool)
        flags = shlex.join(extra) if tool == "vulnhound" else ""
        outcome.append(ToolResult(tool, version, flags, tool_runs, scores, phase_s[tool]))

    elapsed = time.perf_counter() - started
    shown = raw
    meta: dict[str, Any] = {
        "label": label,
        "commit": commit,
        "dirty": dirty,
        "source_digest": source_digest,
        "date": dt.date.today().isoformat(),
        "machine": machine(memory=True),
        "command": shlex.join([".venv/bin/python", "benchmarks/pysec_eval.py", *shown]),
        "jobs": args.jobs,
        "timeout_s": args.timeout,
        "elapsed_s": round(elapsed, 1),
        "results": str(results),
    }
    history = merge_history(read_section(args.doc), [history_row(label, meta["date"], r) for r in outcome])
    body = section(meta, outcome, history)
    summary = {
        "meta": meta,
        "tools": {
            r.name: {"version": r.version, "flags": r.flags, "overall": r.scores["overall"],
                     "trees": [asdict(x) for x in r.runs]}
            for r in outcome
        },
    }  # fmt: skip
    (results / "pysec-eval.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print("\n" + body)
    if args.write_docs:
        write_section(SECTION, body, doc=args.doc)
        print(f"\nwrote the {SECTION} section of {args.doc}")
    print(f"\nresults, logs and pysec-eval.json in {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
