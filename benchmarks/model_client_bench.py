"""Throughput of the model client (router + egress guard) against a slow loopback server.

A child process serves OpenAI-style chat completions on 127.0.0.1 with a fixed latency
(200 ms). This process sends distinct hunt-sized requests through the real Router and
Guard (policy, redaction, serialisation, hashing; no ledger, no cache) at concurrency 1,
8 and 64, and reports requests/s against the ideal (concurrency / latency) and the
client's CPU time per request. Each level runs ``--runs`` times (default 5); the table
shows the median run per level (by % of ideal) and the range. Results replace the
"model-client" section of docs/benchmarks.md.

    .venv/bin/python benchmarks/model_client_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _docsection import write_section

from vulnhound.guard.door import Guard
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import Message, ModelReply, ModelRequest
from vulnhound.models.providers import create_provider
from vulnhound.models.router import ModelClient, Router
from vulnhound.models.schemas import HUNT_SCHEMA, HuntAnswer

ANSWER = json.dumps(
    {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"findings": []}'}}],
        "usage": {"prompt_tokens": 600, "completion_tokens": 8},
    }
).encode()


def serve(latency: float, port_out: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_a: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(latency)
            # one write: separate header and body writes meet delayed ACKs (40 ms stalls)
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(ANSWER)}\r\n\r\n"
            )
            self.wfile.write(head.encode() + ANSWER)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    httpd = Server(("127.0.0.1", 0), Handler)
    port_out.put(httpd.server_address[1])
    httpd.serve_forever()


def unit_code(i: int) -> str:
    body = "\n".join(f"{n:>4} | value_{n} = request.args.get('k{n}')  # unit {i}" for n in range(1, 40))
    return f"BEGIN-UNTRUSTED-x\n{body}\nEND-UNTRUSTED-x"


def run_level(url: str, concurrency: int, requests: int, latency: float) -> dict[str, float]:
    config = ModelConfig(
        name="bench",
        provider="openai",
        model="m",
        base_url=url,
        zone="local",
        max_concurrency=concurrency,
        requests_per_minute=1e9,
        timeout_s=30,
        max_retries=0,
    )
    # the pool sized as a scan sizes it: the model's max_concurrency
    guard = Guard(connections=concurrency)
    router = Router(guard, {"bench": ModelClient(config, create_provider(config, {}))})
    batch = [
        ModelRequest(
            (Message("system", "review"), Message("user", unit_code(i))),
            HUNT_SCHEMA,
            "hunt_findings",
            "hunt",
            f"u{i}",
        )
        for i in range(requests)
    ]
    # warm up the connection pool so the numbers are about steady state
    router.map([(0, (lambda r=r: router.ask("bench", r, HuntAnswer))) for r in batch[:concurrency]])
    batch = [
        ModelRequest((*r.messages, Message("user", "again")), r.schema, r.schema_name, r.purpose, r.unit_id)
        for r in batch
    ]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcomes = router.map([(0, (lambda r=r: router.ask("bench", r, HuntAnswer))) for r in batch])
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    ok = sum(isinstance(o, ModelReply) for o in outcomes)
    guard.close()
    rps = ok / wall
    ideal = concurrency / latency
    return {
        "concurrency": concurrency,
        "requests": requests,
        "ok": ok,
        "wall_s": wall,
        "rps": rps,
        "ideal_rps": ideal,
        "pct_ideal": 100 * rps / ideal,
        "cpu_ms_per_request": 1000 * cpu / requests,
        "latency_overhead_ms": 1000 * (wall * concurrency / requests - latency),
    }


def breakdown(url: str, requests: int = 300) -> dict[str, float]:
    """Single-thread CPU profile at zero latency: where a request's client time goes (ms)."""
    import cProfile
    import pstats

    config = ModelConfig(
        name="bench",
        provider="openai",
        model="m",
        base_url=url,
        zone="local",
        requests_per_minute=1e9,
        max_retries=0,
    )
    router = Router(Guard(), {"bench": ModelClient(config, create_provider(config, {}))})
    batch = [
        ModelRequest(
            (Message("system", "review"), Message("user", unit_code(i))),
            HUNT_SCHEMA,
            "hunt_findings",
            "hunt",
            f"p{i}",
        )
        for i in range(requests + 20)
    ]
    for r in batch[:20]:
        router.ask("bench", r, HuntAnswer)
    profile = cProfile.Profile()
    profile.enable()
    for r in batch[20:]:
        router.ask("bench", r, HuntAnswer)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cum(name: str) -> float:
        return 1000 * sum(v[3] for k, v in stats.items() if k[2] == name) / requests

    total = cum("ask")
    hot = batch[:requests]  # again, unprofiled: the same texts, now hot in every cache
    hot = [
        ModelRequest((*r.messages, Message("user", "hot")), r.schema, r.schema_name, r.purpose, r.unit_id)
        for r in hot
    ]
    cpu0 = time.process_time()
    for r in hot:
        router.ask("bench", r, HuntAnswer)
    plain = 1000 * (time.process_time() - cpu0) / len(hot)
    return {"total": total, "redaction": cum("redact_payload"), "http": cum("_perform"), "plain": plain}


# Measured with this script before the guard's pool sizing, clean-text memo and direct
# transport (commit 2023d99, same machine, 1 run): % of ideal and client CPU ms/request.
BEFORE = (
    "98.4% / 97.2% / 85.5% of ideal, 2.86 / 2.03 / 2.21 ms CPU per request (commit 2023d99); rerun just "
    "before the change at load average 2.2: 97.6% / 98.1% / 89.2%, 1.94 / 1.24 / 1.48 ms"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--seconds", type=float, default=3.0, help="ideal duration of each level")
    parser.add_argument("--runs", type=int, default=5, help="runs per level; the median is reported")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.latency, queue), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{queue.get(timeout=10)}/v1"
    runs: dict[int, list[dict[str, float]]] = {1: [], 8: [], 64: []}
    try:
        for _ in range(args.runs):
            for concurrency, done in runs.items():
                requests = max(concurrency, int(concurrency / args.latency * args.seconds))
                done.append(run_level(url, concurrency, requests, args.latency))
                print(json.dumps(done[-1]))
    finally:
        server.terminate()
    load_after = os.getloadavg()
    rows = []
    for done in runs.values():
        ranked = sorted(done, key=lambda r: r["pct_ideal"])
        median = dict(ranked[len(ranked) // 2])
        median["pct_min"], median["pct_max"] = ranked[0]["pct_ideal"], ranked[-1]["pct_ideal"]
        median["cpu_median"] = statistics.median(r["cpu_ms_per_request"] for r in done)
        rows.append(median)
    fast = multiprocessing.Process(target=serve, args=(0.0, queue), daemon=True)
    fast.start()
    try:
        split = breakdown(f"http://127.0.0.1:{queue.get(timeout=10)}/v1")
    finally:
        fast.terminate()
    table = [
        "## Model client",
        "",
        f"`benchmarks/model_client_bench.py`: OpenAI-style loopback server (separate process) with a fixed "
        f"{args.latency * 1000:.0f} ms latency; distinct hunt-sized requests (~2.5 KB) through the real Router "
        "and Guard (policy, secret redaction, serialisation, SHA-256; no ledger, no cache). Ideal = "
        "concurrency / latency. CPU is this process's CPU time per request (router, guard, httpx, JSON). "
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, shared with other work: load average "
        f"(1/5/15 min) {_load(load_before)} before, {_load(load_after)} after. Median of {args.runs} runs per level "
        "(by % of ideal), with the range over the runs.",
        "",
        "| concurrency | requests | req/s | ideal req/s | % of ideal | range | client CPU ms/request | added latency ms/request |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['concurrency']} | {r['requests']} | {r['rps']:.1f} | {r['ideal_rps']:.0f} | {r['pct_ideal']:.1f}% "
            f"| {r['pct_min']:.1f}-{r['pct_max']:.1f}% | {r['cpu_median']:.2f} | {r['latency_overhead_ms']:.2f} |"
        )
    table += [
        "",
        f"Client CPU per request is higher at concurrency 1 than the same work done back to back "
        f"({split['plain']:.2f} ms per request single-threaded at zero latency, unprofiled): after 200 ms idle the "
        "caches are cold. Where one request's client time goes (single thread, zero latency, under cProfile, so "
        f"slower than above): {split['total']:.2f} ms in all, of which the guard's secret redaction "
        f"{split['redaction']:.2f} ms, the HTTP exchange (httpx transport) {split['http']:.2f} ms, and router, "
        f"provider, JSON parsing and schema validation {split['total'] - split['redaction'] - split['http']:.2f} ms.",
        "",
        "What made the difference: the guard keeps alive as many connections as the models may have requests in "
        "flight (httpx keeps 20 idle connections by default, so concurrency 64 reconnected for most requests); "
        "it sends straight to the httpx transport (no per-request cookie, redirect and URL merging work, headers "
        "built once); and the redactor remembers texts it found clean (system prompt, schema) by digest, bounded, "
        f"re-checking them only for secrets learnt since; new text is always scanned. Before: {BEFORE}.",
    ]
    if not args.no_write:
        write_section("model-client", "\n".join(table))
    print("\n".join(table))
    return 0


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    raise SystemExit(main())
