"""One interface for every model: messages and a JSON schema in, a parsed object and token
usage out.

A provider is a pure adapter. :meth:`Provider.build` turns a :class:`ModelRequest` into the
guard's :class:`OutboundRequest` (the wire payload as data) and :meth:`Provider.parse` reads the
guard's :class:`InboundResponse`. Providers never do I/O: the router hands requests to the
egress guard, which is the only code that talks to the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vulnhound.guard.interface import CodeSpan, InboundResponse, OutboundRequest


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class ModelRequest:
    """What an analysis asks of a model, independent of the provider's wire format."""

    messages: tuple[Message, ...]
    schema: Mapping[str, Any]  # JSON schema of the expected answer object
    schema_name: str
    purpose: str  # "triage" | "hunt" | "check"
    unit_id: str = ""
    spans: tuple[CodeSpan, ...] = ()
    risk: int = 0  # higher first when a budget may run out
    # text the tool itself wrote (the untrusted-data fence lines): never redacted, never counted
    markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass(frozen=True)
class ProviderReply:
    """The model's text answer (JSON inside, possibly wrapped) and what it cost."""

    text: str
    usage: Usage
    structured: Any = None  # already-parsed object (tool use), when the wire format gives one


@dataclass(frozen=True)
class ModelReply:
    """A parsed, schema-checked answer and who gave it."""

    data: Mapping[str, Any]
    model: str
    usage: Usage
    cached: bool = False
    notes: tuple[str, ...] = field(default=())


class ModelCallError(Exception):
    """A request failed at the provider level. ``retryable`` errors go through backoff."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class AnswerError(Exception):
    """The model answered, but not with an object matching the schema."""


class Provider(Protocol):
    """A thin adapter for one wire format."""

    def build(self, request: ModelRequest, *, structured: bool) -> OutboundRequest: ...

    def parse(self, response: InboundResponse) -> ProviderReply:
        """Read a 2xx response; raise :class:`ModelCallError` for error statuses."""
        ...


def status_error(response: InboundResponse, retry_after_cap: float = 60.0) -> ModelCallError:
    """Map an HTTP error status to a retryable or final error, honouring Retry-After."""
    retry_after = _retry_after(response.headers, retry_after_cap)
    retryable = response.status == 429 or response.status >= 500 or response.status == 408
    snippet = response.body[:200].decode("utf-8", "replace").strip()
    return ModelCallError(f"HTTP {response.status}: {snippet}", retryable=retryable, retry_after=retry_after)


def _retry_after(headers: Mapping[str, str], cap: float) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, min(float(value), cap))
            except ValueError:
                return None  # HTTP dates are rare from model servers; fall back to backoff
    return None


def spans_of(requests: Sequence[ModelRequest]) -> tuple[CodeSpan, ...]:
    return tuple(s for r in requests for s in r.spans)
