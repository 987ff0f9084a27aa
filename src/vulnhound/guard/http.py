"""The guard's HTTP client: whole-request deadlines and a cap on what a server may send back.

httpx's timeouts bound each socket operation, so a server that trickles one byte every
two seconds keeps a request alive for hours. Here every socket operation of a request
(connect, TLS handshake, writes, reads of headers and body) gets at most the time left
until the request's deadline, set per thread by :func:`deadline` around the request:
httpcore's synchronous pool does its I/O in the calling thread. :func:`read_capped` reads
the body in chunks and stops at a size limit, so a 50 MB answer is refused, not buffered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

# Model answers are a few kilobytes of JSON; anything near this is an attack or a mistake.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024

_local = threading.local()


class ResponseTooLarge(Exception):
    """The server announced or sent more than the limit."""


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Bound every socket operation of this thread's request to ``seconds`` in total."""
    previous = getattr(_local, "deadline", None)
    until = time.monotonic() + max(0.0, seconds)
    _local.deadline = until if previous is None else min(previous, until)
    try:
        yield until
    finally:
        _local.deadline = previous


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """The socket timeout to use: the caller's, or less when the deadline is nearer."""
    until: float | None = getattr(_local, "deadline", None)
    if until is None:
        return timeout
    remaining = until - time.monotonic()
    if remaining <= 0:
        raise error("the request's deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        upgraded = self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(upgraded)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def http_transport(connections: int) -> httpx.HTTPTransport:
    """An HTTP transport whose requests honour :func:`deadline`.

    No proxies from the environment (a proxy would be a second, unrecorded destination),
    and every connection the run may have in flight is kept alive.
    """
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx.HTTPTransport(limits=limits, trust_env=False)
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.ConnectionPool):
        # The same pool httpx builds, on a backend that knows the deadline. Should httpx
        # change its internals, reads still stop at the deadline in read_capped, one read late.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=pool._ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_DeadlineBackend(),
        )
    return transport


def read_capped(response: httpx.Response, limit: int, until: float) -> bytes:
    """The body, refused past ``limit`` bytes (announced or sent) or past the deadline."""
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise ResponseTooLarge(f"the server announced {int(announced)} bytes, over the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"the answer passed the {limit}-byte limit")
        chunks.append(chunk)
        if time.monotonic() > until:
            raise httpx.ReadTimeout("the request's deadline passed while reading the body")
    return b"".join(chunks)
