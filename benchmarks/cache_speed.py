"""Incremental scans: `vulnhound scan` of Django's `django/` package, cold, again with nothing
changed, and after touching one file (issue 12).

Installs Django from PyPI into a temporary directory (no code of it is kept), scans it with an
empty result cache (cold), then with nothing changed (warm), then after appending a comment to
one file, for a sample of files: a view, a core helper every module imports, and randomly chosen
modules. Each touch is a new edit, so every measured run has real work to do. Results replace
the "cache-speed" section of docs/benchmarks.md.

    .venv/bin/python benchmarks/cache_speed.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _docsection import write_section
from _runinfo import machine
from engine_speed import BIN, Run, install_django, measure, python_files

# a view far from the core, and helpers most of Django imports (the worst case for the cache)
NAMED = ("contrib/admin/views/main.py", "utils/html.py", "db/models/query.py")


def scan(tree: Path, out: Path, cache: Path) -> tuple[Run, dict[str, dict[str, int]]]:
    os.environ["VULNHOUND_CACHE_DIR"] = str(cache)
    cmd = [str(BIN / "vulnhound"), "scan", str(tree), "-f", "json", "-o", str(out), "--fail-on", "critical"]
    run = measure(cmd)
    report = json.loads(out.read_text())["extras"].get("cache", {})
    return run, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--django", default="5.1")
    parser.add_argument("--sample", type=int, default=5, help="randomly chosen files to touch, besides the named ones")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vh-cache-bench-") as work_dir:
        work = Path(work_dir)
        tree = install_django(work / "site", args.django)
        files = python_files(tree)
        out = work / "out.json"
        colds, warms = [], []
        for index in range(args.runs):  # each cold run with a cache of its own
            cache = work / f"cache-{index}"
            colds.append(scan(tree, out, cache)[0])
            warms.append(scan(tree, out, cache)[0])
        cold = statistics.median(r.wall_s for r in colds)
        warm = statistics.median(r.wall_s for r in warms)
        cold_cpu = statistics.median(r.cpu_s for r in colds)
        warm_cpu = statistics.median(r.cpu_s for r in warms)
        rng = random.Random(12)
        relative = [p.relative_to(tree).as_posix() for p in files]
        chosen = list(NAMED) + rng.sample([p for p in relative if p not in NAMED], args.sample)
        rows = []
        ratios = []
        for name in chosen:
            target = tree / name
            runs = []
            reports = []
            for index in range(args.runs):
                with target.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n# touched {index}\n")
                run, report = scan(tree, out, work / "cache-0")
                runs.append(run)
                reports.append(report)
            wall = statistics.median(r.wall_s for r in runs)
            engine = reports[-1].get("analysed_files", {}).get("engine", 0)
            ratios.append(wall / cold)
            rows.append(f"| `{name}` | {engine} of {len(files)} | {wall:.2f} | {wall / cold:.0%} |")
            print(rows[-1], flush=True)
        shutil.rmtree(work / "site", ignore_errors=True)

    body = "\n".join(
        [
            "## Incremental scans: the result cache on Django's `django/` package",
            "",
            f"- Machine: {machine()}",
            f"- Date: {time.strftime('%Y-%m-%d')}, Django {args.django} installed from PyPI into a temporary directory",
            f"- Command: `.venv/bin/python benchmarks/cache_speed.py --runs {args.runs}`",
            f"- Each time: median of {args.runs} runs of `vulnhound scan django -f json` (default offline analyzers);"
            " the peer is the same scan with an empty cache (cold).",
            "- A touched file gets a new comment line before each run, so every run has real work to do.",
            "",
            "| scan | wall s | CPU s | share of cold |",
            "|---|---|---|---|",
            f"| cold (empty cache) | {cold:.2f} | {cold_cpu:.2f} | 100% |",
            f"| nothing changed | {warm:.2f} | {warm_cpu:.2f} | {warm / cold:.0%} |",
            "",
            "After touching one file (the engine re-analyses the files that import it, directly or not, "
            "and what those import; the file-by-file analyzers read the one file):",
            "",
            "| touched file | engine files analysed | wall s | share of cold |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Median share over the {len(chosen)} touched files: {statistics.median(ratios):.0%}; "
            f"{sum(r <= 0.30 for r in ratios)} of {len(chosen)} at or under 30%.",
        ]
    )
    print(body)
    if not args.no_doc:
        write_section("cache-speed", body)


if __name__ == "__main__":
    main()
