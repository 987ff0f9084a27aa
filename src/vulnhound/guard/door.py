"""The guard: the one door from vulnhound to the network.

For every request: refuse a model whose zone the policy does not know; class each span of
code by the real path of its file relative to the policy root and block code whose class
may not reach the model's zone; redact secrets in every string of the payload (what the
file scans found in the files it carries, whatever its form, and what the detectors find
in the payload itself); serialise once (the hashed bytes are the sent bytes); enforce the
per-zone byte budget; write the ledger entry, naming real paths; and only then, outside
plan mode, send, within a whole-request deadline and a cap on the answer's size. The HTTP
client is created here, lazily, on the first real send, and nowhere else in vulnhound.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from vulnhound.errors import VulnhoundError
from vulnhound.guard.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ResponseTooLarge,
    deadline,
    http_transport,
    read_capped,
)
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
from vulnhound.guard.redact import Redactor, Source

if TYPE_CHECKING:
    from vulnhound.config import Config

PLACEHOLDER_BYTES = b"<<VH_SECRET_"
BYTES_PER_TOKEN = 4  # a rough, model-independent estimate for plans and budgets
BASE_HEADERS = {
    "accept": "application/json",
    "content-type": "application/json",
    "user-agent": "vulnhound",
}
# Connections kept alive when the caller does not say: the router's largest worker pool.
DEFAULT_CONNECTIONS = 64


class TransportError(VulnhoundError):
    """The request may have left but no usable response came: ``kind`` is timeout, connect,
    dropped or too-large (an answer over the size limit: retrying would not help).

    Raised after the ledger entry is written; the model layer decides whether to retry.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail

    @property
    def retryable(self) -> bool:
        return self.kind != "too-large"


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

    @property
    def repair(self) -> bool:
        """A follow-up asking a model to fix its answer: no plan can foresee it."""
        return self.purpose.endswith(REPAIR_SUFFIX)


REPAIR_SUFFIX = "-repair"


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
        scan_root: Path | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.policy = policy or Policy.default()
        # Every connection a run may have in flight is kept alive: with httpx's default of
        # 20 idle connections, concurrency 64 reconnected for most requests.
        self.connections = max(1, connections or DEFAULT_CONNECTIONS)
        self._headers: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self.ledger = ledger
        self.plan = plan
        self.redactor = redactor or Redactor()
        self.scan_root = Path(os.path.realpath(scan_root)) if scan_root is not None else None
        self.max_response_bytes = max_response_bytes
        self._transport = transport
        self._client: httpx.BaseTransport | None = None
        self._urls: dict[str, httpx.URL] = {}
        self._lock = threading.Lock()
        self._zone_bytes: dict[str, int] = {}
        self._real: dict[str, str] = {}  # scan path -> where the file really is
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
        prime: Iterable[Source] = (),
        connections: int | None = None,
    ) -> Guard:
        """The guard of a scan: the configured policy, the ledger (default
        ``<root>/.vulnhound/ledger.jsonl``, checked against its head before anything is
        sent), and the secrets of ``prime`` (the scanned files), numbered in path order so
        that payloads are the same in plan and real runs."""
        ledger = Ledger(ledger_path if ledger_path is not None else Path(root) / DEFAULT_LEDGER)
        ledger.check()
        guard = cls(
            policy_of(config.policy),
            ledger,
            plan=plan,
            transport=transport,
            connections=connections,
            scan_root=root,
        )
        guard.prime(prime)
        return guard

    def prime(self, files: Iterable[Source]) -> None:
        """Learn the scanned files: their secrets, and where each really is on disk."""
        chosen = list(files)
        self.redactor.prime(chosen)
        for source in chosen:
            self._locate(source)

    def _locate(self, source: Source) -> None:
        real = os.path.realpath(source.absolute_path)
        with self._lock:
            self._real[source.path] = real

    def repo_path(self, path: str) -> str:
        """The path a scanned file is classed and recorded under: its real path (links and
        ``..`` resolved) relative to the policy root."""
        with self._lock:
            real = self._real.get(path)
        if real is None:
            base = self.scan_root if self.scan_root is not None else Path.cwd()
            real = os.path.realpath(base / path)
        return self.policy.locate(real, self.scan_root)

    def check_endpoint(self, endpoint: ModelEndpoint) -> str:
        """Raise ConfigError for a model without a zone or with an unlisted one."""
        return self.policy.check_endpoint_zone(endpoint.name, endpoint.zone)

    def permits(self, path: str, zone: str) -> bool:
        """May code of the scanned file at ``path`` reach ``zone``?"""
        return self.policy.allows(self.repo_path(path), zone)

    def strips_comments(self, purpose: str) -> bool:
        return purpose in self.policy.strip_comments

    def redact_text(self, text: str, paths: Sequence[str] = ()) -> str:
        return str(self.redactor.redact_text(text, paths).value)

    def redact_source(self, source: Source) -> str:
        """The file as models may see it; also learns where it really is, so that requests
        built from it are classed by its real path whatever root the scan used."""
        self._locate(source)
        return self.redactor.redact_source(source)

    def _record(
        self, request: OutboundRequest, spans: Sequence[CodeSpan], decision: str, **fields: Any
    ) -> None:
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
                "files": _files(spans),
                "bytes": fields.get("bytes", 0),
                "sha256": fields.get("sha256"),
                "redactions": fields.get("redactions", 0),
                "reason": fields.get("reason"),
            }
        )

    def _block(
        self, request: OutboundRequest, spans: tuple[CodeSpan, ...], reason: str, kind: str, **fields: Any
    ) -> GuardOutcome:
        self._record(request, spans, "blocked", reason=reason, **fields)
        item = BlockedRequest(request.endpoint, request.unit_id, request.purpose, spans, reason, kind)
        with self._lock:
            self.blocked.append(item)
        return GuardOutcome(blocked=Blocked(reason=reason, kind=kind))

    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        endpoint = request.endpoint
        zone = self.check_endpoint(endpoint)
        # Each span is classed, and recorded, by where its file really is.
        spans = tuple(replace(s, path=self.repo_path(s.path)) for s in request.spans)
        violation = self.policy.violation((s.path for s in spans), zone)
        if violation is not None:
            return self._block(request, spans, violation, "policy")

        redaction = self.redactor.redact_payload(
            request.payload, [s.path for s in request.spans], keep=request.markers
        )
        body = serialise(redaction.value)
        digest = hashlib.sha256(body).hexdigest()
        # Secrets hidden here and those the model layer's file views hid already.
        hidden = body.count(PLACEHOLDER_BYTES)
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
                request, spans, reason, "budget-bytes", bytes=size, sha256=digest, redactions=hidden
            )

        self._record(
            request,
            spans,
            "planned" if self.plan else "sent",
            bytes=size,
            sha256=digest,
            redactions=hidden,
        )
        if self.plan:
            planned = PlannedRequest(
                endpoint=endpoint,
                unit_id=request.unit_id,
                purpose=request.purpose,
                spans=spans,
                bytes=size,
                estimated_tokens=estimate_tokens(size),
                redactions=hidden,
                sha256=digest,
                fallback=request.fallback,
            )
            with self._lock:
                self.planned.append(planned)
            return GuardOutcome(planned=planned)

        with self._lock:
            self.sent.append(
                SentRequest(endpoint, request.unit_id, request.purpose, spans, size, hidden, digest)
            )
        response = self._perform(request, spans, body, timeout_s, digest)
        return GuardOutcome(response=response, sent_bytes=size)

    def _http(self) -> httpx.BaseTransport:
        """The only HTTP connection pool in vulnhound, created on the first real send.

        Requests go straight to the transport, not through ``httpx.Client``: no cookies kept
        between requests, no redirects followed, no environment proxies (a proxy would be a
        second, unrecorded destination for the code), and less work per request.
        """
        with self._lock:
            if self._client is None:
                self._client = self._transport or http_transport(self.connections)
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
        self,
        request: OutboundRequest,
        spans: tuple[CodeSpan, ...],
        body: bytes,
        timeout_s: float,
        digest: str,
    ) -> InboundResponse:
        """Send and read the answer within ``timeout_s`` in all, at most ``max_response_bytes``."""
        outbound = httpx.Request(
            request.method,
            self._url(request.endpoint.url),
            content=body,
            headers=self._request_headers(request.headers),
            extensions={"timeout": httpx.Timeout(timeout_s).as_dict()},
        )
        started = time.perf_counter()
        name = request.endpoint.name

        def failed(kind: str, exc: Exception) -> None:
            detail = f"transport {kind}: {type(exc).__name__}"
            self._record(request, spans, "failed", bytes=len(body), sha256=digest, reason=detail)

        try:
            with deadline(timeout_s) as until:
                response = self._http().handle_request(outbound)
                try:
                    content = read_capped(response, self.max_response_bytes, until)
                finally:
                    response.close()  # the connection goes back to the pool
        except httpx.TimeoutException as exc:
            failed("timeout", exc)
            raise TransportError("timeout", f"{name}: no complete answer within {timeout_s:g}s") from exc
        except httpx.ConnectError as exc:
            failed("connect", exc)
            raise TransportError("connect", f"{name}: {exc}") from exc
        except httpx.TransportError as exc:  # read/write errors, protocol errors: a dropped connection
            failed("dropped", exc)
            raise TransportError("dropped", f"{name}: {type(exc).__name__}: {exc}") from exc
        except ResponseTooLarge as exc:
            failed("too-large", exc)
            raise TransportError("too-large", f"{name}: {exc}") from exc
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

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def sent_hashes(self, *, repairs: bool = False) -> list[str]:
        """Hashes of the payloads sent; repair rounds (answers to a model's bad answer) only
        when asked, since no plan can foresee them."""
        with self._lock:
            return [s.sha256 for s in self.sent if repairs or not s.repair]

    def planned_hashes(self) -> list[str]:
        with self._lock:
            return [p.sha256 for p in self.planned]


def guard_endpoints(guard: Guard, endpoints: Sequence[ModelEndpoint]) -> None:
    """Validate every selected model's zone up front, before any request is built."""
    for endpoint in endpoints:
        guard.check_endpoint(endpoint)
