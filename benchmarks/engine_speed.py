"""Speed of `vulnhound scan` against Bandit on Django 5.1's `django/` package (issue 3).

Installs Django 5.1 from PyPI into a temporary directory (no code of it is kept), builds
subsets of 1/4, 1/2 and all of its files, and runs each scanner several times on each,
recording wall time and peak memory of the child process. Results replace the
"engine-speed" section of docs/benchmarks.md.

    .venv/bin/python benchmarks/engine_speed.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _docsection import write_section
from _runinfo import machine

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system of the scanner and the worker processes it waited for
    peak_mb: float
    returncode: int


def measure(cmd: list[str]) -> Run:
    """Run a command, return its wall time, CPU time and the peak RSS of that child (wait4: its
    CPU time includes the worker processes it waited for, so parallelism does not hide work)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{cmd[0]} failed with {proc.returncode}: {err[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def install_django(target: Path, version: str) -> Path:
    subprocess.run(
        [str(BIN / "pip"), "install", "-q", "--no-deps", "--target", str(target), f"django=={version}"],
        check=True,
    )
    return target / "django"


def python_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.py") if p.is_file())


def subset(tree: Path, files: list[Path], fraction: float, dest: Path) -> Path:
    """Copy every k-th file so each subset samples the whole package, not one corner of it."""
    if fraction >= 1.0:
        return tree
    step = round(1 / fraction)
    for index, path in enumerate(files):
        if index % step == 0:
            out = dest / path.relative_to(tree.parent)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)
    return dest / tree.name


def count_lines(tree: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in python_files(tree))


def pathological(work: Path) -> list[str]:
    """A 100k-line module and a deeply nested expression: each must finish or be cut off."""
    tree = work / "patho"
    tree.mkdir()
    big = ["from flask import request", "import os", ""]
    for i in range(24_999):
        big += [f"def f{i}(x):", f"    y{i} = x + request.args.get('q{i}', '')", f"    return y{i}", ""]
    big.append("os.system(f0(request.args['c']))")
    (tree / "huge.py").write_text("\n".join(big) + "\n")
    depth = 900
    (tree / "nested.py").write_text("x = " + "(" * depth + "1" + ")" * depth + "\n" + "y = " + " + ".join(["request.args['a']"] * 5000) + "\n")
    out = work / "patho.json"
    cmd = [str(BIN / "vulnhound"), "scan", str(tree), "-f", "json", "-o", str(out), "--fail-on", "critical", "--max-file-size", "100000000", "--no-cache"]
    run = measure(cmd)
    doc = json.loads(out.read_text())
    reasons = dict.fromkeys(f"{s['path']} ({s['reason']}: {s['detail']})" for s in doc.get("skipped", []))
    skipped = "; ".join(reasons) or "none"
    lines = count_lines(tree)
    return [
        "",
        "### Pathological inputs",
        "",
        f"A generated 100,000-line module and a file with a {depth}-deep parenthesised expression and a 5,000-term sum "
        f"({lines:,} lines together): vulnhound finished in {run.wall_s:.2f} s, peak {run.peak_mb:.0f} MB, "
        f"{len(doc.get('findings', []))} finding(s); skipped: {skipped}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--django", default="5.1.15")
    parser.add_argument("--no-doc", action="store_true", help="print only, do not update docs/benchmarks.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vh-bench-") as tmp:
        work = Path(tmp)
        django = install_django(work / "site", args.django)
        files = python_files(django)
        trees = {
            "1/4": subset(django, files, 0.25, work / "quarter"),
            "1/2": subset(django, files, 0.5, work / "half"),
            "all": django,
        }
        patho = pathological(work)
        rows = []
        raw: dict[str, dict[str, list[dict[str, float]]]] = {}
        for label, tree in trees.items():
            lines = count_lines(tree)
            nfiles = len(python_files(tree))
            out = work / "out.json"
            commands = {
                "vulnhound": [str(BIN / "vulnhound"), "scan", str(tree), "-f", "json", "-o", str(out), "--fail-on", "critical", "--no-cache"],
                "bandit": [str(BIN / "bandit"), "-r", str(tree), "-f", "json", "-o", str(out), "-q"],
            }
            medians: dict[str, tuple[float, float, float]] = {}
            raw[label] = {}
            for name, cmd in commands.items():
                runs = [measure(cmd) for _ in range(args.runs)]
                raw[label][name] = [{"wall_s": r.wall_s, "cpu_s": r.cpu_s, "peak_mb": r.peak_mb} for r in runs]
                medians[name] = (
                    statistics.median(r.wall_s for r in runs),
                    max(r.peak_mb for r in runs),
                    statistics.median(r.cpu_s for r in runs),
                )
                if name == "vulnhound":
                    doc = json.loads(out.read_text())
                    findings = len(doc.get("findings", []))
                    skipped = len(doc.get("skipped", []))
            vh, bd = medians["vulnhound"], medians["bandit"]
            rows.append(
                f"| {label} | {nfiles} | {lines:,} | {vh[0]:.2f} | {vh[2]:.2f} | {lines / vh[0]:,.0f} | {vh[1]:.0f} | "
                f"{bd[0]:.2f} | {bd[2]:.2f} | {lines / bd[0]:,.0f} | {bd[1]:.0f} | {bd[0] / vh[0]:.2f}x | "
                f"{bd[2] / vh[2]:.2f}x | {findings} | {skipped} |"
            )
            print(rows[-1], flush=True)

    body = "\n".join(
        [
            "## Engine speed: vulnhound scan vs Bandit on Django's `django/` package",
            "",
            f"- Machine: {machine()}",
            f"- Date: {time.strftime('%Y-%m-%d')}, Django {args.django} installed from PyPI into a temporary directory",
            f"- Command: `.venv/bin/python benchmarks/engine_speed.py --runs {args.runs}`",
            f"- Each cell: median of {args.runs} runs; CPU is user + system time of the scanner and its worker "
            "processes; peak memory is the largest RSS of the scanner process.",
            "- Subsets take every 4th / 2nd file of the package so each samples the whole tree.",
            "- vulnhound runs its default offline analyzers (taint engine included); Bandit its default plugins.",
            "",
            "| tree | files | lines | vulnhound wall s | vulnhound CPU s | vulnhound lines/s | vulnhound MB | bandit wall s | bandit CPU s | bandit lines/s | bandit MB | wall ratio (bandit / vulnhound) | CPU ratio (bandit / vulnhound) | vulnhound findings | vulnhound skipped |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            *patho,
        ]
    )
    print(body)
    if not args.no_doc:
        write_section("engine-speed", body)


if __name__ == "__main__":
    main()
