"""Route ``local://`` endpoints (in-process llama.cpp) inside the guard's HTTP client.

The guard accepts an httpx transport; this one hands requests for in-process models to
their handler and everything else to an ordinary HTTP transport. So a local model's
request still passes the guard's policy, redaction, ledger and plan like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from vulnhound.guard.http import http_transport
from vulnhound.guard.interface import InboundResponse

LocalHandler = Callable[[bytes, float], InboundResponse]


class LocalRoutingTransport(httpx.BaseTransport):
    def __init__(
        self, handlers: Mapping[str, LocalHandler], timeout_s: float = 600.0, connections: int = 64
    ) -> None:
        self.handlers = dict(handlers)
        self.timeout_s = timeout_s
        self.connections = max(1, connections)
        self._http: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        handler = self.handlers.get(url)
        if handler is None:
            if request.url.scheme == "local":
                raise httpx.ConnectError(f"no in-process model at {url}", request=request)
            if self._http is None:
                self._http = http_transport(self.connections)
            return self._http.handle_request(request)
        answer = handler(request.read(), self.timeout_s)
        return httpx.Response(
            answer.status, headers=dict(answer.headers), content=answer.body, request=request
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
