"""The guard's HTTP: as many connections kept alive as a run may have requests in flight;
no cookies carried between requests, no redirects followed, no proxy from the environment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vulnhound.guard.door import Guard
from vulnhound.guard.interface import ModelEndpoint, OutboundRequest


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.connections += 1  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.seen.append((self.path, self.headers.get("cookie")))  # type: ignore[attr-defined]
        if self.path.endswith("/redirect"):
            self.wfile.write(
                b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /v1/elsewhere\r\ncontent-length: 0\r\n\r\n"
            )
            return
        time.sleep(self.server.delay)  # type: ignore[attr-defined]
        body = b'{"ok": true}'
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nset-cookie: session=abc\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )

    def log_message(self, *_args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # every connection of a round arrives at once


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = _Server(("127.0.0.1", 0), _Slow)
    httpd.connections = 0  # type: ignore[attr-defined]
    httpd.seen = []  # type: ignore[attr-defined]
    httpd.delay = 0.15  # type: ignore[attr-defined]  # every request of a round overlaps
    httpd.lock = threading.Lock()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _rounds(guard: Guard, url: str, width: int, rounds: int) -> None:
    endpoint = ModelEndpoint("m", "local", url)
    for r in range(rounds):
        barrier = threading.Barrier(width)
        errors: list[BaseException] = []

        def one(
            i: int, r: int = r, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors
        ) -> None:
            barrier.wait()
            try:
                outcome = guard.send(
                    OutboundRequest(endpoint, "POST", {}, {"n": f"{r}-{i}"}, (), "check", f"u{i}"), 10
                )
                assert outcome.response is not None and outcome.response.status == 200
            except BaseException as exc:  # reported below, from the main thread
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(width)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors


def test_concurrent_rounds_reuse_every_connection(server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    width = 32  # more than httpx's default of 20 idle connections
    with Guard(connections=width) as guard:
        _rounds(guard, url, width, rounds=3)
    assert server.connections <= width  # type: ignore[attr-defined]


def test_connections_default_covers_the_router_pool() -> None:
    assert Guard().connections >= 64
    assert Guard(connections=8).connections == 8


def _send(guard: Guard, url: str) -> int:
    outcome = guard.send(
        OutboundRequest(ModelEndpoint("m", "local", url), "POST", {}, {"q": 1}, (), "check", "u"), 10
    )
    assert outcome.response is not None
    return outcome.response.status


def test_no_cookies_no_redirects_no_environment_proxy(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.delay = 0  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    # A proxy from the environment would be a second destination: here, a port nobody serves.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    with Guard() as guard:
        assert _send(guard, base + "/chat") == 200
        assert _send(guard, base + "/chat") == 200  # the first answer set a cookie
        assert _send(guard, base + "/redirect") == 307  # handed back, not followed
    assert server.seen == [("/v1/chat", None), ("/v1/chat", None), ("/v1/redirect", None)]  # type: ignore[attr-defined]
