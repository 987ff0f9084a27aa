"""The contract between the model layer and the egress guard.

The model layer (providers, router) builds HTTP requests but never sends them: it hands
each one to :class:`EgressDoor.send`, which applies the trust-zone policy, redacts
secrets, appends to the ledger and only then (outside plan mode) performs the request
through its transport. Nothing else in vulnhound opens a socket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class CodeSpan:
    """A part of a scanned file included in a request: relative path and 1-based line range."""

    path: str
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class ModelEndpoint:
    """Who a request goes to: the configured model name, its trust zone and its URL."""

    name: str
    zone: str | None
    url: str


@dataclass(frozen=True)
class OutboundRequest:
    """A request before the guard has seen it.

    ``payload`` is the JSON body as data: the guard redacts secrets in every string value,
    then serialises it itself, so the bytes it hashes into the ledger are the bytes sent.
    ``spans`` says which scanned code the payload contains, for policy and ledger.
    ``headers`` may hold credentials: they are sent but never recorded.
    """

    endpoint: ModelEndpoint
    method: str
    headers: Mapping[str, str]
    payload: Mapping[str, Any]
    spans: Sequence[CodeSpan]
    purpose: str  # "triage", "hunt", "check"
    unit_id: str = ""


@dataclass(frozen=True)
class InboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Blocked:
    """The guard refused to send; ``reason`` is for reports ("policy: restricted/** may not reach foreign-cloud")."""

    reason: str
    kind: str  # "policy", "budget-bytes", "zone"


@dataclass(frozen=True)
class PlannedRequest:
    """What plan mode records instead of sending."""

    endpoint: ModelEndpoint
    unit_id: str
    purpose: str
    spans: tuple[CodeSpan, ...]
    bytes: int
    estimated_tokens: int
    redactions: int
    sha256: str


@dataclass
class GuardOutcome:
    """What came back from :meth:`EgressDoor.send`: a response, a refusal, or a plan entry."""

    response: InboundResponse | None = None
    blocked: Blocked | None = None
    planned: PlannedRequest | None = None
    # placeholder -> original secret, to restore secrets the model quotes back
    restorations: Mapping[str, str] = field(default_factory=dict)


class EgressDoor(Protocol):
    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        """Check, redact, record, and (unless planning) send. Network errors raise
        :class:`TransportError` from the guard module, after the ledger entry is written."""
        ...

    def redact_text(self, text: str) -> tuple[str, Mapping[str, str]]:
        """Replace secrets in one string with stable placeholders; returns the mapping."""
        ...
