"""The contract between the model layer and the egress guard.

The model layer (providers, router) builds HTTP requests but never sends them: it hands
each one to :class:`EgressDoor.send`, which applies the trust-zone policy, redacts
secrets, appends to the ledger and only then (outside plan mode) performs the request
through its transport. Nothing else in vulnhound opens a socket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from vulnhound.sources import SourceFile


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
    ``spans`` says which scanned code the payload contains (paths as the scan names them),
    for policy, redaction and ledger. ``headers`` may hold credentials: they are sent but
    never recorded. ``fallback`` marks a request to a model further down a fallback chain
    (plan mode lists those too: a real run sends them when the first model fails).
    """

    endpoint: ModelEndpoint
    method: str
    headers: Mapping[str, str]
    payload: Mapping[str, Any]
    spans: Sequence[CodeSpan]
    purpose: str  # "triage", "hunt", "check"; "...-repair" for a repair round
    unit_id: str = ""
    fallback: bool = False
    markers: tuple[str, ...] = ()  # tool-written text (fence lines) that redaction leaves alone


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
    fallback: bool = False


@dataclass
class GuardOutcome:
    """What came back from :meth:`EgressDoor.send`: a response, a refusal, or a plan entry.

    There is no way back from placeholders to secrets: a model's answer is model text, and
    a secret put back into it would end up in reports.
    """

    response: InboundResponse | None = None
    blocked: Blocked | None = None
    planned: PlannedRequest | None = None
    sent_bytes: int = 0  # the request body as it left, redacted


class EgressDoor(Protocol):
    def send(self, request: OutboundRequest, timeout_s: float) -> GuardOutcome:
        """Check, redact, record, and (unless planning) send. Network errors raise
        :class:`TransportError` from the guard module, after the ledger entry is written."""
        ...

    def redact_text(self, text: str, paths: Sequence[str] = ()) -> str:
        """``text`` with secrets replaced, including those of the scanned files at ``paths``."""
        ...

    def redact_source(self, source: SourceFile) -> str:
        """A scanned file as models may see it: secrets replaced in place, lines kept."""
        ...

    def permits(self, path: str, zone: str) -> bool:
        """May code of the scanned file at ``path`` reach ``zone``?"""
        ...

    def strips_comments(self, purpose: str) -> bool:
        """Do payloads for ``purpose`` carry code without comments and docstrings?"""
        ...
