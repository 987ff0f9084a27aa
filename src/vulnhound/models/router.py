"""The router: every model call of a scan goes through here, then through the guard.

Per model it keeps a circuit breaker, a concurrency semaphore and a token bucket; per
call it consults the response cache and the budget, retries transient failures with
exponential backoff and jitter (honouring Retry-After, capped), allows one bounded repair
round when the answer is not valid JSON for the schema, and walks the fallback chain when
a model stays unavailable or the policy blocks it. Failures come back as
:class:`Refusal` values, never as exceptions, so the scan goes on.

In plan mode the cache is not read (a plan lists what a run without a cache sends) and
every model of the fallback chain is planned, so that whatever a real run sends is in the
plan. Answers are model text: placeholders in them stay placeholders, and any secret of
the files the request carried is hidden again before the answer reaches a report.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vulnhound.errors import VulnhoundError
from vulnhound.guard.door import REPAIR_SUFFIX, TransportError
from vulnhound.guard.interface import EgressDoor, OutboundRequest
from vulnhound.models.cache import ResponseCache, cache_key
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import (
    AnswerError,
    Message,
    ModelCallError,
    ModelReply,
    ModelRequest,
    Provider,
    Usage,
)
from vulnhound.models.parsing import extract_json
from vulnhound.result import ModelUsage
from vulnhound.sources import SkipReason

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Refusal:
    """Why a request produced no answer: model unavailable, policy, budget, or plan mode."""

    reason: SkipReason
    detail: str
    planned: bool = False
    scan_budget: bool = False  # the scan's token/cost budget: no fallback would help


Outcome = ModelReply | Refusal


class Budget:
    """Token and dollar limits across all models; requests reserve an estimate up front."""

    def __init__(self, tokens: int | None = None, usd: float | None = None) -> None:
        self.tokens_limit = tokens
        self.usd_limit = usd
        self._tokens = 0
        self._usd = 0.0
        self._lock = threading.Lock()

    def reserve(self, tokens: int, usd: float) -> str | None:
        """Reserve an estimate; returns why not when it would pass a limit."""
        with self._lock:
            if self.tokens_limit is not None and self._tokens + tokens > self.tokens_limit:
                return f"token budget of {self.tokens_limit} reached ({self._tokens} used)"
            if self.usd_limit is not None and self._usd + usd > self.usd_limit:
                return f"cost budget of ${self.usd_limit:g} reached (${self._usd:.4f} used)"
            self._tokens += tokens
            self._usd += usd
            return None

    def settle(self, reserved: tuple[int, float], actual: tuple[int, float]) -> None:
        with self._lock:
            self._tokens += actual[0] - reserved[0]
            self._usd += actual[1] - reserved[1]


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failed attempts; one trial after ``cooldown_s``."""

    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at >= self.cooldown_s and not self._trial:
                self._trial = True  # half open: let one request find out
                return True
            return False

    def record(self, ok: bool) -> None:
        with self._lock:
            self._trial = False
            if ok:
                self._failures = 0
                self._opened_at = None
                return
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = self._clock()

    @property
    def open(self) -> bool:
        return self._opened_at is not None


class TokenBucket:
    """``rate`` requests per second on average, bursts up to ``capacity``."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            time.sleep(wait)


class _Meter:
    """Per-model counters for :class:`ModelUsage`."""

    def __init__(self) -> None:
        self.requests = self.cached = self.failures = self.tokens_in = self.tokens_out = 0
        self.bytes_sent = 0
        self.cost = 0.0
        self.lock = threading.Lock()


class ModelClient:
    """One configured model: its adapter, limits and breaker."""

    def __init__(self, config: ModelConfig, provider: Provider) -> None:
        self.config = config
        self.provider = provider
        self.breaker = CircuitBreaker(config.breaker_threshold, config.breaker_cooldown_s)
        self.slots = threading.BoundedSemaphore(config.max_concurrency)
        self.bucket = TokenBucket(config.requests_per_minute / 60.0, float(config.max_concurrency))
        self.structured = config.structured_output
        self.meter = _Meter()

    def usage(self) -> ModelUsage:
        m = self.meter
        return ModelUsage(
            self.config.name, m.requests, m.cached, m.failures, m.tokens_in, m.tokens_out, round(m.cost, 6),
            m.bytes_sent,
        )  # fmt: skip


def estimate_tokens(payload: Mapping[str, Any]) -> int:
    """A rough count (4 bytes a token) for budgets and plans; providers report the truth."""
    return len(json.dumps(payload, ensure_ascii=False)) // 4 + 1


REPAIR_PROMPT = (
    "Your previous answer could not be used: {error}. Reply again with only one JSON object "
    "that matches the schema, with no other text."
)


class Router:
    """Sends :class:`ModelRequest` objects to models through the guard, robustly."""

    def __init__(
        self,
        door: EgressDoor,
        clients: Mapping[str, ModelClient],
        *,
        cache: ResponseCache | None = None,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        plan: bool = False,
    ) -> None:
        self.door = door
        self.plan = plan
        self.clients = dict(clients)
        self.cache = cache
        self.budget = budget or Budget()
        self._sleep = sleep
        self._rng = rng or random.Random()

    # -- public -----------------------------------------------------------------
    def ask(self, model: str, request: ModelRequest, schema: type[BaseModel]) -> Outcome:
        """Ask ``model`` (then its fallbacks, in order); the answer is validated against ``schema``."""
        refusals: list[str] = []
        last: Refusal | None = None
        planned: Refusal | None = None
        for position, name in enumerate(self._chain(model)):
            outcome = self._ask_one(self.clients[name], request, schema, fallback=position > 0)
            if isinstance(outcome, ModelReply):
                return outcome
            if outcome.planned:
                planned = planned or outcome
                continue  # plan the fallbacks too: a real run may send to them
            if planned is not None:
                continue
            if outcome.scan_budget:
                return outcome  # a fallback would spend the same budget (a zone's byte cap would not)
            refusals.append(f"{name}: {outcome.detail}")
            last = outcome
        if planned is not None:
            return planned
        reason = last.reason if last is not None else SkipReason.MODEL_UNAVAILABLE
        return Refusal(reason, "; ".join(refusals))

    def usage(self) -> tuple[ModelUsage, ...]:
        return tuple(c.usage() for c in self.clients.values() if c.meter.requests or c.meter.cached)

    def map(self, jobs: Iterable[tuple[int, Callable[[], R]]]) -> list[R]:
        """Run jobs riskiest first (higher ``int`` first) on a pool sized to the models' limits.

        Results come back in the order the jobs were given. The pool is FIFO, so ordering
        before submission means a budget runs out on the least risky work.
        """
        items = list(enumerate(jobs))
        order = sorted(items, key=lambda item: -item[1][0])
        workers = max(1, min(64, sum(c.config.max_concurrency for c in self.clients.values())))
        results: dict[int, R] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vulnhound-model") as pool:
            futures = {index: pool.submit(job) for index, (_risk, job) in order}
            for index, future in futures.items():
                results[index] = future.result()
        return [results[i] for i in range(len(items))]

    # -- internals ----------------------------------------------------------------
    def _chain(self, model: str) -> list[str]:
        chain, pending = [], [model]
        while pending:
            name = pending.pop(0)
            if name in chain or name not in self.clients:
                continue
            chain.append(name)
            pending.extend(self.clients[name].config.fallback)
        return chain

    def _ask_one(
        self, client: ModelClient, request: ModelRequest, schema: type[BaseModel], *, fallback: bool = False
    ) -> Outcome:
        outbound = replace(client.provider.build(request, structured=client.structured), fallback=fallback)
        key = cache_key(client.config, outbound.payload, client.structured)
        if self.cache is not None and not self.plan:
            hit = self.cache.get(key)
            if hit is not None:
                data, tokens_in, tokens_out = hit
                with client.meter.lock:
                    client.meter.cached += 1
                return ModelReply(data, client.config.name, Usage(tokens_in, tokens_out), cached=True)
        repaired = False
        attempt = 0
        while True:
            if not client.breaker.allow():
                return Refusal(SkipReason.MODEL_UNAVAILABLE, "circuit open after repeated failures")
            estimate = estimate_tokens(outbound.payload)
            reserved = (estimate, client.config.cost_usd(estimate, 0))
            why = self.budget.reserve(*reserved)
            if why is not None:
                return Refusal(SkipReason.BUDGET, why, scan_budget=True)
            try:
                result = self._attempt(client, outbound, schema)
            except _Retry as retry:
                self.budget.settle(reserved, retry.spent)
                client.breaker.record(ok=False)
                with client.meter.lock:
                    client.meter.failures += 1
                if not retry.retryable or attempt >= client.config.max_retries:
                    return Refusal(SkipReason.MODEL_UNAVAILABLE, retry.detail)
                self._sleep(self._backoff(client.config, attempt, retry.retry_after))
                attempt += 1
                continue
            except _Repair as bad:
                self.budget.settle(reserved, bad.spent)
                client.breaker.record(ok=True)  # the model is up, only the answer was bad
                if repaired:
                    return Refusal(SkipReason.MODEL_UNAVAILABLE, f"invalid answer after repair: {bad.detail}")
                repaired = True
                outbound = self._repair_request(outbound, bad)
                continue
            self.budget.settle(reserved, result.spent)
            client.breaker.record(ok=True)
            if isinstance(result.outcome, ModelReply) and self.cache is not None:
                reply = result.outcome
                self.cache.put(
                    key, client.config.name, reply.data, reply.usage.tokens_in, reply.usage.tokens_out
                )
            return result.outcome

    def _attempt(self, client: ModelClient, outbound: OutboundRequest, schema: type[BaseModel]) -> _Result:
        with client.slots:
            if not self.plan:  # a plan sends nothing: no rate to keep
                client.bucket.take()
            try:
                guarded = self.door.send(outbound, client.config.timeout_s)
            except TransportError as exc:  # timeout, refused, dropped, too large: the guard logged it
                with client.meter.lock:
                    client.meter.requests += 1
                raise _Retry(f"transport {exc}", exc.retryable, None, (0, 0.0)) from exc
            except VulnhoundError as exc:  # e.g. a local model that cannot load: final for this model
                raise _Retry(f"{type(exc).__name__}: {exc}", False, None, (0, 0.0)) from exc
        if guarded.blocked is not None:
            return _Result(Refusal(_blocked_reason(guarded.blocked.kind), guarded.blocked.reason), (0, 0.0))
        if guarded.planned is not None:
            return _Result(Refusal(SkipReason.POLICY, "plan mode: not sent", planned=True), (0, 0.0))
        response = guarded.response
        if response is None:
            raise _Retry("guard returned no response", False, None, (0, 0.0))
        with client.meter.lock:
            client.meter.requests += 1
            client.meter.bytes_sent += guarded.sent_bytes
        try:
            reply = client.provider.parse(response)
        except ModelCallError as exc:
            if client.structured and response.status == 400 and b"response_format" in response.body:
                client.structured = False  # the server cannot do json_schema: tolerant parsing instead
                raise _Retry(str(exc), True, 0.0, (0, 0.0)) from exc
            raise _Retry(str(exc), exc.retryable, exc.retry_after, (0, 0.0)) from exc
        cost = client.config.cost_usd(reply.usage.tokens_in, reply.usage.tokens_out)
        spent = (reply.usage.tokens_in + reply.usage.tokens_out, cost)
        with client.meter.lock:
            client.meter.tokens_in += reply.usage.tokens_in
            client.meter.tokens_out += reply.usage.tokens_out
            client.meter.cost += cost
        try:
            raw = reply.structured if isinstance(reply.structured, dict) else extract_json(reply.text)
            data = schema.model_validate(raw).model_dump(mode="json")
        except (AnswerError, ValidationError) as exc:
            raise _Repair(_short(exc), reply.text, spent) from exc
        paths = tuple(dict.fromkeys(span.path for span in outbound.spans))
        return _Result(
            ModelReply(_hide_secrets(data, self.door, paths), client.config.name, reply.usage), spent
        )

    def _repair_request(self, outbound: OutboundRequest, bad: _Repair) -> OutboundRequest:
        payload = dict(outbound.payload)
        messages = list(payload.get("messages", []))
        messages.append({"role": "assistant", "content": bad.text[:4000] or "(empty)"})
        messages.append({"role": "user", "content": REPAIR_PROMPT.format(error=bad.detail)})
        payload["messages"] = messages
        purpose = (
            outbound.purpose if outbound.purpose.endswith(REPAIR_SUFFIX) else outbound.purpose + REPAIR_SUFFIX
        )
        return replace(outbound, payload=payload, purpose=purpose)

    def _backoff(self, config: ModelConfig, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, config.retry_after_cap_s)
        base = config.backoff_base_s * (2**attempt)
        return float(min(base + self._rng.uniform(0, base), 30.0))


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    spent: tuple[int, float]


class _Retry(Exception):
    def __init__(self, detail: str, retryable: bool, retry_after: float | None, spent: tuple[int, float]):
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after
        self.spent = spent


class _Repair(Exception):
    def __init__(self, detail: str, text: str, spent: tuple[int, float]):
        super().__init__(detail)
        self.detail = detail
        self.text = text
        self.spent = spent


def _blocked_reason(kind: str) -> SkipReason:
    return SkipReason.BUDGET if kind.startswith("budget") else SkipReason.POLICY


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if not errors:
            return "schema error"
        where = ".".join(str(p) for p in errors[0]["loc"])
        return f"{len(errors)} schema error(s), first at '{where}': {errors[0]['msg']}"
    return str(exc)[:200]


def _hide_secrets(value: Any, door: EgressDoor, paths: Sequence[str]) -> Any:
    """The answer with every secret of the request's files hidden: a model that was shown a
    secret the redaction missed must not carry it into a report either."""
    if isinstance(value, str):
        return door.redact_text(value, paths)
    if isinstance(value, dict):
        return {k: _hide_secrets(v, door, paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_secrets(v, door, paths) for v in value]
    return value


def messages(system: str, user: str) -> tuple[Message, ...]:
    return (Message("system", system), Message("user", user))


def first_reply(outcomes: Sequence[Outcome]) -> ModelReply | None:
    return next((o for o in outcomes if isinstance(o, ModelReply)), None)
