"""Hostile model servers: a trickle must not hold a request past its deadline, and an
answer too large is refused, not buffered. Raw sockets, so the server can misbehave in
ways an HTTP library would not let it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vulnhound.guard.door import Guard, TransportError
from vulnhound.guard.interface import ModelEndpoint, OutboundRequest
from vulnhound.guard.ledger import Ledger, iter_entries

Behaviour = Callable[[socket.socket], None]


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _trickle_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b"{")
        time.sleep(0.2)


def _trickle_headers(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


def _announce_huge(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n")
    conn.sendall(b"x" * 65536)
    time.sleep(2)


def _stream_huge(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"y" * 65536
    try:
        for _ in range(800):  # 50 MB
            conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    except OSError:
        return  # the client hung up: what we want


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], str]]:
    servers: list[socket.socket] = []

    def start(behaviour: Behaviour) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        servers.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    _read_request(conn)
                    with contextlib.suppress(OSError):
                        behaviour(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/v1/chat/completions"

    yield start
    for listener in servers:
        listener.close()


def _request(url: str) -> OutboundRequest:
    payload = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
    return OutboundRequest(ModelEndpoint("slow", "foreign-cloud", url), "POST", {}, payload, (), "check", "c")


@pytest.mark.parametrize("behaviour", [_trickle_body, _trickle_headers], ids=["body", "headers"])
def test_a_trickling_server_is_cut_at_the_whole_request_deadline(
    tmp_path: Path, hostile: Callable[[Behaviour], str], behaviour: Behaviour
) -> None:
    guard = Guard(ledger=Ledger(tmp_path / "l.jsonl", fsync=False))
    url = hostile(behaviour)
    started = time.monotonic()
    with pytest.raises(TransportError) as failed:
        guard.send(_request(url), 1.0)
    elapsed = time.monotonic() - started
    assert failed.value.kind == "timeout" and failed.value.retryable
    assert elapsed < 3.0, elapsed  # each byte came within the per-read timeout; the request did not
    decisions = [(e["decision"], e["reason"]) for e in iter_entries(tmp_path / "l.jsonl")]
    assert decisions == [("sent", None), ("failed", "transport timeout: ReadTimeout")]


@pytest.mark.parametrize("behaviour", [_announce_huge, _stream_huge], ids=["announced", "streamed"])
def test_an_answer_over_the_size_limit_is_refused(
    tmp_path: Path, hostile: Callable[[Behaviour], str], behaviour: Behaviour
) -> None:
    guard = Guard(ledger=Ledger(tmp_path / "l.jsonl", fsync=False), max_response_bytes=1024 * 1024)
    started = time.monotonic()
    with pytest.raises(TransportError) as failed:
        guard.send(_request(hostile(behaviour)), 10.0)
    assert failed.value.kind == "too-large" and not failed.value.retryable
    assert time.monotonic() - started < 5.0
    reasons = [e["reason"] for e in iter_entries(tmp_path / "l.jsonl") if e["decision"] == "failed"]
    assert reasons == ["transport too-large: ResponseTooLarge"]
