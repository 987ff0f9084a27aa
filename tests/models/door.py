"""A minimal EgressDoor for router unit tests: no policy, no redaction, a real HTTP call.

The full pipeline tests use the real guard; this keeps router tests independent of it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

import httpx

from vulnhound.guard.interface import GuardOutcome, InboundResponse, OutboundRequest


class HttpDoor:
    def __init__(self) -> None:
        self.client = httpx.Client()
        self.sent: list[OutboundRequest] = []

    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        self.sent.append(request)
        body = json.dumps(request.payload).encode()
        started = time.perf_counter()
        response = self.client.request(
            request.method,
            request.endpoint.url,
            content=body,
            headers=dict(request.headers),
            timeout=timeout_s,
        )
        return GuardOutcome(
            response=InboundResponse(
                response.status_code, dict(response.headers), response.content, time.perf_counter() - started
            )
        )

    def redact_text(self, text: str) -> tuple[str, Mapping[str, str]]:
        return text, {}
