"""The guard: the one door from vulnhound to the network.

For every request: refuse a model whose zone the policy does not know; block code whose
data class may not reach the model's zone; redact secrets in every string of the payload;
serialise once (the hashed bytes are the sent bytes); enforce the per-zone byte budget;
write the ledger entry; and only then, outside plan mode, send. The HTTP client is
created here, lazily, on the first real send, and nowhere else in vulnhound.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from vulnhound.errors import VulnhoundError
from vulnhound.guard.interface import (
    Blocked,
    CodeSpan,
    GuardOutcome,
    InboundResponse,
    ModelEndpoint,
    OutboundRequest,
    PlannedRequest,
)
from vulnhound.guard.ledger import DEFAULT_LEDGER, Ledger
from vulnhound.guard.policy import Policy, policy_of
from vulnhound.guard.redact import Redactor

if TYPE_CHECKING:
    from vulnhound.config import Config

BYTES_PER_TOKEN = 4  # a rough, model-independent estimate for plans and budgets
BASE_HEADERS = {
    "accept": "application/json",
    "content-type": "application/json",
    "user-agent": "vulnhound",
}
# Connections kept alive when the caller does not say: the router's largest worker pool.
DEFAULT_CONNECTIONS = 64


class TransportError(VulnhoundError):
    """The request may have left but no response came: ``kind`` is timeout, connect or dropped.

    Raised after the ledger entry is written; the model layer decides whether to retry.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class BlockedRequest:
    """A request the guard refused, kept for the plan and for reports."""

    endpoint: ModelEndpoint
    unit_id: str
    purpose: str
    spans: tuple[CodeSpan, ...]
    reason: str
    kind: str


@dataclass(frozen=True)
class SentRequest:
    """A request handed to the transport: what the plan must match."""

    endpoint: ModelEndpoint
    unit_id: str
    purpose: str
    spans: tuple[CodeSpan, ...]
    bytes: int
    redactions: int
    sha256: str


def estimate_tokens(size: int) -> int:
    return (size + BYTES_PER_TOKEN - 1) // BYTES_PER_TOKEN


def _files(spans: Iterable[CodeSpan]) -> list[dict[str, Any]]:
    return [{"path": s.path, "lines": [s.start_line, s.end_line]} for s in spans]


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def serialise(payload: Any) -> bytes:
    """The one serialisation of a payload: deterministic, so a plan and a run hash alike."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Guard:
    """Implements :class:`~vulnhound.guard.interface.EgressDoor`; one per scan."""

    def __init__(
        self,
        policy: Policy | None = None,
        ledger: Ledger | None = None,
        *,
        plan: bool = False,
        transport: httpx.BaseTransport | None = None,
        redactor: Redactor | None = None,
        connections: int | None = None,
    ) -> None:
        self.policy = policy or Policy.default()
        # Every connection a run may have in flight is kept alive: with httpx's default of
        # 20 idle connections, concurrency 64 reconnected for most requests.
        self.connections = max(1, connections or DEFAULT_CONNECTIONS)
        self._headers: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self.ledger = ledger
        self.plan = plan
        self.redactor = redactor or Redactor()
        self._transport = transport
        self._client: httpx.BaseTransport | None = None
        self._urls: dict[str, httpx.URL] = {}
        self._lock = threading.Lock()
        self._zone_bytes: dict[str, int] = {}
        self.planned: list[PlannedRequest] = []
        self.blocked: list[BlockedRequest] = []
        self.sent: list[SentRequest] = []

    @classmethod
    def from_config(
        cls,
        config: Config,
        root: Path,
        ledger_path: Path | None = None,
        *,
        plan: bool = False,
        transport: httpx.BaseTransport | None = None,
        prime: Iterable[str] = (),
        connections: int | None = None,
    ) -> Guard:
        """The guard of a scan: the configured policy, the ledger (default
        ``<root>/.vulnhound/ledger.jsonl``), and secrets numbered from ``prime`` (the scanned
        files' texts in path order) so that payloads are the same in plan and real runs."""
        ledger = Ledger(ledger_path if ledger_path is not None else Path(root) / DEFAULT_LEDGER)
        guard = cls(policy_of(config.policy), ledger, plan=plan, transport=transport, connections=connections)
        guard.redactor.prime(prime)
        return guard

    def check_endpoint(self, endpoint: ModelEndpoint) -> str:
        """Raise ConfigError for a model without a zone or with an unlisted one."""
        return self.policy.check_endpoint_zone(endpoint.name, endpoint.zone)

    def redact_text(self, text: str) -> tuple[str, Mapping[str, str]]:
        result = self.redactor.redact_text(text)
        return str(result.value), result.restorations

    def restore(self, text: str, restorations: Mapping[str, str] | None = None) -> str:
        return self.redactor.restore(text, restorations)

    def _record(self, request: OutboundRequest, decision: str, **fields: Any) -> None:
        if self.ledger is None:
            return
        self.ledger.append(
            {
                "decision": decision,
                "model": request.endpoint.name,
                "zone": request.endpoint.zone,
                "endpoint_host": _host(request.endpoint.url),
                "purpose": request.purpose,
                "unit_id": request.unit_id,
                "files": _files(request.spans),
                "bytes": fields.get("bytes", 0),
                "sha256": fields.get("sha256"),
                "redactions": fields.get("redactions", 0),
                "reason": fields.get("reason"),
            }
        )

    def _block(self, request: OutboundRequest, reason: str, kind: str, **fields: Any) -> GuardOutcome:
        self._record(request, "blocked", reason=reason, **fields)
        item = BlockedRequest(
            request.endpoint, request.unit_id, request.purpose, tuple(request.spans), reason, kind
        )
        with self._lock:
            self.blocked.append(item)
        return GuardOutcome(blocked=Blocked(reason=reason, kind=kind))

    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        endpoint = request.endpoint
        zone = self.check_endpoint(endpoint)
        violation = self.policy.violation((s.path for s in request.spans), zone)
        if violation is not None:
            return self._block(request, violation, "policy")

        redaction = self.redactor.redact_payload(request.payload)
        body = serialise(redaction.value)
        digest = hashlib.sha256(body).hexdigest()
        size = len(body)
        limit = self.policy.byte_limit(zone)
        with self._lock:
            used = self._zone_bytes.get(zone, 0)
            over = limit is not None and used + size > limit
            if not over:
                self._zone_bytes[zone] = used + size
        if over:
            reason = f"budget: {size} bytes would pass the {limit}-byte limit for zone '{zone}' ({used} used)"
            return self._block(
                request, reason, "budget-bytes", bytes=size, sha256=digest, redactions=redaction.count
            )

        spans = tuple(request.spans)
        self._record(
            request,
            "planned" if self.plan else "sent",
            bytes=size,
            sha256=digest,
            redactions=redaction.count,
        )
        if self.plan:
            planned = PlannedRequest(
                endpoint=endpoint,
                unit_id=request.unit_id,
                purpose=request.purpose,
                spans=spans,
                bytes=size,
                estimated_tokens=estimate_tokens(size),
                redactions=redaction.count,
                sha256=digest,
            )
            with self._lock:
                self.planned.append(planned)
            return GuardOutcome(planned=planned, restorations=redaction.restorations)

        with self._lock:
            self.sent.append(
                SentRequest(endpoint, request.unit_id, request.purpose, spans, size, redaction.count, digest)
            )
        response = self._perform(request, body, timeout_s, digest)
        return GuardOutcome(response=response, restorations=redaction.restorations)

    def _http(self) -> httpx.BaseTransport:
        """The only HTTP connection pool in vulnhound, created on the first real send.

        Requests go straight to the transport, not through ``httpx.Client``: no cookies kept
        between requests, no redirects followed, no environment proxies (a proxy would be a
        second, unrecorded destination for the code), and less work per request.
        """
        with self._lock:
            if self._client is None:
                limits = httpx.Limits(
                    max_connections=self.connections, max_keepalive_connections=self.connections
                )
                self._client = self._transport or httpx.HTTPTransport(limits=limits, trust_env=False)
            return self._client

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            with self._lock:
                if len(self._urls) < 256:
                    self._urls[url] = parsed
        return parsed

    def _perform(
        self, request: OutboundRequest, body: bytes, timeout_s: float, digest: str
    ) -> InboundResponse:
        outbound = httpx.Request(
            request.method,
            self._url(request.endpoint.url),
            content=body,
            headers=self._request_headers(request.headers),
            extensions={"timeout": httpx.Timeout(timeout_s).as_dict()},
        )
        started = time.perf_counter()
        try:
            response = self._http().handle_request(outbound)
            try:
                content = response.read()
            finally:
                response.close()  # the connection goes back to the pool
        except httpx.TimeoutException as exc:
            self._failed(request, "timeout", exc, digest, len(body))
            raise TransportError(
                "timeout", f"{request.endpoint.name}: no answer within {timeout_s:g}s"
            ) from exc
        except httpx.ConnectError as exc:
            self._failed(request, "connect", exc, digest, len(body))
            raise TransportError("connect", f"{request.endpoint.name}: {exc}") from exc
        except httpx.TransportError as exc:  # read/write errors, protocol errors: a dropped connection
            self._failed(request, "dropped", exc, digest, len(body))
            raise TransportError("dropped", f"{request.endpoint.name}: {type(exc).__name__}: {exc}") from exc
        return InboundResponse(
            status=response.status_code,
            headers=dict(response.headers),
            body=content,
            elapsed_s=time.perf_counter() - started,
        )

    def _request_headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        """Built once per distinct header set (a provider's are constant), not per request."""
        key = tuple(extra.items())
        headers = self._headers.get(key)
        if headers is None:
            headers = {**BASE_HEADERS, **dict(extra)}
            with self._lock:
                if len(self._headers) < 64:  # bounded, should a provider vary its headers
                    self._headers[key] = headers
        return headers

    def _failed(self, request: OutboundRequest, kind: str, exc: Exception, digest: str, size: int) -> None:
        detail = f"transport {kind}: {type(exc).__name__}"
        self._record(request, "failed", bytes=size, sha256=digest, reason=detail)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def sent_hashes(self) -> list[str]:
        with self._lock:
            return [s.sha256 for s in self.sent]

    def planned_hashes(self) -> list[str]:
        with self._lock:
            return [p.sha256 for p in self.planned]


def guard_endpoints(guard: Guard, endpoints: Sequence[ModelEndpoint]) -> None:
    """Validate every selected model's zone up front, before any request is built."""
    for endpoint in endpoints:
        guard.check_endpoint(endpoint)
