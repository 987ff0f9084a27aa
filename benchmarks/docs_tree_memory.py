"""Peak memory of a scan of a tree with built HTML documentation.

Generates a synthetic project (a small Python package, tests, and a Sphinx-like
``docs/_build/html`` tree: thousands of generated pages with code samples holding example
credentials, a one-line search index and minified JavaScript just under the size limit),
scans it in a fresh process and prints the peak resident set size, the time, the number of
findings per code context and how many secrets findings in docs are above low confidence.

    .venv/bin/python benchmarks/docs_tree_memory.py                 # default: 3000 pages
    .venv/bin/python benchmarks/docs_tree_memory.py --pages 500 --tracemalloc
    .venv/bin/python benchmarks/docs_tree_memory.py --pages 500 --html-dir docs/html
    .venv/bin/python benchmarks/docs_tree_memory.py --write-doc     # refresh docs/benchmarks.md

``--html-dir`` places the built pages elsewhere (``docs/html``: not a default exclude, so
they are read and scanned); ``--src`` scans with another checkout's ``src`` (before/after).

``--tracemalloc`` also prints the ten source lines holding the most memory at the peak
(slow: several times the plain run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PAGE_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8" />
<title>{title} &#8212; acme 1.0 documentation</title>
<link rel="stylesheet" type="text/css" href="_static/pygments.css" />
<script src="_static/documentation_options.js"></script>
<script src="_static/searchtools.js"></script>
</head><body><div class="document"><div class="body" role="main">
<h1>{title}</h1>
"""
SECTION = """<section id="s{n}"><h2>Configuring the client ({n})</h2>
<p>The client reads its settings from the environment. Lorem ipsum dolor sit amet, consectetur
adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua {n}.</p>
<div class="highlight-python notranslate"><div class="highlight"><pre><span></span>
<span class="n">client</span> <span class="o">=</span> <span class="n">Client</span><span class="p">(</span>
    <span class="n">api_key</span><span class="o">=</span><span class="s2">"sk_live_{key}"</span><span class="p">,</span>
    <span class="n">password</span><span class="o">=</span><span class="s2">"{password}"</span><span class="p">)</span>
</pre></div></div>
<p>aws_secret_access_key = {aws}</p>
<pre>DATABASE_URL=postgres://admin:{password}@db.example.com/app</pre>
</section>
"""
PAGE_TAIL = "</div></div></body></html>\n"


def _token(rng: random.Random, size: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def generate(root: Path, pages: int, seed: int = 7, html_dir: str = "docs/_build/html") -> int:
    """Write the tree; return its size in bytes."""
    rng = random.Random(seed)
    html = root / html_dir
    (html / "_static").mkdir(parents=True)
    (root / "acme").mkdir()
    (root / "tests").mkdir()
    (root / "acme" / "__init__.py").write_text("")
    (root / "acme" / "db.py").write_text(
        "import sqlite3\nfrom flask import request\n\n\ndef find(conn: sqlite3.Connection):\n"
        "    name = request.args['name']\n    return conn.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n"
    )
    (root / "tests" / "test_db.py").write_text(
        "import subprocess\nfrom flask import request\n\n\ndef test_run():\n"
        "    subprocess.call(request.args['cmd'], shell=True)\n"
    )
    total = 0
    for number in range(pages):
        parts = [PAGE_HEAD.format(title=f"Page {number}")]
        for section in range(12):
            parts.append(
                SECTION.format(
                    n=section,
                    key=_token(rng, 24),
                    password=_token(rng, 12),
                    aws=_token(rng, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"),
                )
            )
        parts.append(PAGE_TAIL)
        text = "".join(parts)
        (html / f"page{number:05d}.html").write_text(text)
        total += len(text)
    # One-line search index and minified bundles, just under the default 1 MiB size limit.
    terms = ",".join(f'"{_token(rng, 8)}":[{number},{number + 1}]' for number in range(40000))
    index = 'Search.setIndex({"docnames":[],"terms":{' + terms + "}})"
    (html / "searchindex.js").write_text(index[: 1000 * 1024])
    for name in ("jquery.min.js", "underscore.min.js", "doctools.min.js", "theme.min.js"):
        body = ";".join(f"var {_token(rng, 6)}=function(a,b){{return a+b+{n}}}" for n in range(30000))
        (html / "_static" / name).write_text(body[: 1000 * 1024])
        total += 1000 * 1024
    return total + len(index[: 1000 * 1024])


def measure(root: Path, trace: bool, src: Path = HERE.parent / "src") -> dict[str, object]:
    """Scan ``root`` in a fresh process (the JSON report to a file); return its numbers."""
    code = f"""
import json, resource, sys, time, tracemalloc
from collections import Counter
from vulnhound.config import Config
from vulnhound.scanner import scan
from vulnhound.reporters import render
trace = {trace!r}
if trace:
    tracemalloc.start(8)
started = time.perf_counter()
result = scan([{str(root)!r}], Config(jobs=1))
for name in ("json", "sarif", "text", "markdown"):
    render(name, result)
elapsed = time.perf_counter() - started
top = []
if trace:
    peak = tracemalloc.get_traced_memory()[1]
    snapshot = tracemalloc.take_snapshot()
    top = [str(s) for s in snapshot.statistics("lineno")[:10]]
contexts = Counter(str(getattr(f, "code_context", "production")) for f in result.active)
# By path, not code_context: the numbers of a checkout without contexts compare.
docs_secrets = [f for f in result.active if f.analyzers == ("secrets",) and f.location.path.startswith("docs/")]
print(json.dumps({{
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "seconds": round(elapsed, 1),
    "files": result.files_analyzed,
    "files_skipped": len({{s.path for s in result.skipped}}),
    "findings": len(result.active),
    "by_context": dict(sorted(contexts.items())),
    "docs_secrets": len(docs_secrets),
    "docs_secrets_high": sum(1 for f in docs_secrets if f.confidence.value == "high"),
    "docs_secrets_above_low": sum(1 for f in docs_secrets if f.confidence.value != "low"),
    "top": top,
}}))
"""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    data: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000, help="generated HTML pages (default 3000)")
    parser.add_argument("--tracemalloc", action="store_true", help="also list the top allocation sites")
    parser.add_argument(
        "--html-dir", default="docs/_build/html", help="where the built pages go (default docs/_build/html)"
    )
    parser.add_argument("--src", type=Path, default=HERE.parent / "src", help="the vulnhound sources to run")
    parser.add_argument("--write-doc", action="store_true", help="write the numbers to docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        size = generate(root, args.pages, html_dir=args.html_dir)
        numbers = measure(root, args.tracemalloc, args.src.resolve())
    numbers["tree_mb"] = round(size / 1e6, 1)
    for key, value in numbers.items():
        if key == "top":
            for line in value or []:  # type: ignore[attr-defined]
                print("   ", line)
        else:
            print(f"{key}: {value}")
    if args.write_doc:
        from _docsection import write_section

        load = os.getloadavg()
        write_section(
            "docs-tree-memory",
            "## Memory: a tree with built HTML documentation\n\n"
            f"`benchmarks/docs_tree_memory.py --pages {args.pages} --html-dir {args.html_dir}`: a small "
            f"package and its tests plus a Sphinx-like `{args.html_dir}` tree ({args.pages} generated pages with example "
            "credentials in code samples, a one-line search index and four minified bundles just under "
            f"1 MiB; {numbers['tree_mb']} MB of text), scanned with the default analyzers in one "
            "process, all four reports rendered. "
            f"Load average {load[0]:.2f}.\n\n"
            "| peak RSS | time | files analysed | findings by context | docs secrets (high confidence) |\n"
            "|---:|---:|---:|---|---:|\n"
            f"| {numbers['peak_rss_mb']:.0f} MB | {numbers['seconds']} s | {numbers['files']} "
            f"| {numbers['by_context']} | {numbers['docs_secrets']} ({numbers['docs_secrets_high']}) |\n",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
