"""Router against real loopback servers: retries, Retry-After, fallback, breaker, repair, budget, cache."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from vulnhound.guard.door import Guard
from vulnhound.models.cache import ResponseCache
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import Message, ModelReply, ModelRequest
from vulnhound.models.providers import create_provider
from vulnhound.models.router import Budget, ModelClient, Refusal, Router
from vulnhound.models.schemas import HUNT_SCHEMA, HuntAnswer
from vulnhound.sources import SkipReason

from .servers import Act, ScriptedServer, hunting_brain

BRAIN = hunting_brain({"os.system": "CWE-78"})


def model(name: str, url: str, provider: str = "openai", **kw: Any) -> ModelConfig:
    base = {"timeout_s": 2.0, "backoff_base_s": 0.01, "max_retries": 2, "zone": "local"}
    base.update(kw)
    return ModelConfig(name=name, provider=provider, model=f"{name}-model", base_url=url, **base)


def router(*configs: ModelConfig, **kw: Any) -> Router:
    clients = {c.name: ModelClient(c, create_provider(c, {"K": "secret-key"})) for c in configs}
    return Router(Guard(), clients, **kw)


def request(code: str = "  3 | os.system(cmd)", unit: str = "u1", risk: int = 0) -> ModelRequest:
    return ModelRequest(
        (Message("system", "sys"), Message("user", code)),
        HUNT_SCHEMA,
        "hunt_findings",
        "hunt",
        unit,
        (),
        risk,
    )


def test_correct_answer_is_parsed_with_usage() -> None:
    with ScriptedServer("openai", BRAIN) as server:
        outcome = router(model("a", server.url, api_key_env="K")).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply)
    assert outcome.data["findings"][0]["cwe"] == "CWE-78" and outcome.data["findings"][0]["line"] == 3
    assert outcome.usage.tokens_in > 0 and outcome.usage.tokens_out > 0
    assert server.headers[0]["authorization"] == "Bearer secret-key"
    assert server.requests[0]["response_format"]["type"] == "json_schema"
    assert server.paths == ["/v1/chat/completions"]


def test_anthropic_wire_format_tool_use() -> None:
    with ScriptedServer("anthropic", BRAIN) as server:
        outcome = router(model("c", server.url, provider="anthropic", api_key_env="K")).ask(
            "c", request(), HuntAnswer
        )
    assert isinstance(outcome, ModelReply) and outcome.data["findings"][0]["line"] == 3
    assert server.paths == ["/v1/messages"]
    assert server.headers[0]["x-api-key"] == "secret-key" and server.headers[0]["anthropic-version"]
    assert server.requests[0]["system"] == "sys" and server.requests[0]["tool_choice"]["type"] == "tool"


def test_fenced_json_with_prose_is_accepted_without_structured_output() -> None:
    text = 'Sure! Here is my analysis:\n```json\n{"findings": []}\n```\nHope this helps.'
    with ScriptedServer("openai", BRAIN, lambda n, b: Act("text", text=text)) as server:
        outcome = router(model("a", server.url, structured_output=False)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply) and outcome.data == {"findings": []}
    assert "response_format" not in server.requests[0]


def test_malformed_json_gets_one_repair_round_then_gives_up() -> None:
    with ScriptedServer(
        "openai", BRAIN, lambda n, b: Act("text", text="{not json") if n == 1 else None
    ) as server:
        outcome = router(model("a", server.url)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply) and server.count == 2
    assert "could not be used" in server.requests[1]["messages"][-1]["content"]
    with ScriptedServer("openai", BRAIN, lambda n, b: Act("text", text="garbage")) as server:
        outcome = router(model("a", server.url)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, Refusal) and outcome.reason is SkipReason.MODEL_UNAVAILABLE
    assert server.count == 2  # bounded: exactly one repair


def test_429_retry_after_is_honoured_then_succeeds() -> None:
    script = lambda n, b: Act("status", status=429, headers={"Retry-After": "0.3"}) if n == 1 else None  # noqa: E731
    with ScriptedServer("openai", BRAIN, script) as server:
        started = time.perf_counter()
        outcome = router(model("a", server.url)).ask("a", request(), HuntAnswer)
        elapsed = time.perf_counter() - started
    assert isinstance(outcome, ModelReply) and server.count == 2
    assert elapsed >= 0.3


def test_retry_after_is_capped() -> None:
    script = lambda n, b: Act("status", status=429, headers={"Retry-After": "3600"}) if n == 1 else None  # noqa: E731
    with ScriptedServer("openai", BRAIN, script) as server:
        started = time.perf_counter()
        outcome = router(model("a", server.url, retry_after_cap_s=0.2)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply) and time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "act",
    [Act("status", status=500), Act("status", status=503), Act("hang", seconds=1.5), Act("drop")],
    ids=["500", "503", "hang", "drop"],
)
def test_transient_failures_are_retried(act: Act) -> None:
    with ScriptedServer("openai", BRAIN, lambda n, b: act if n <= 2 else None) as server:
        outcome = router(model("a", server.url, timeout_s=0.5)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply), outcome
    assert server.count == 3


def test_client_error_is_not_retried() -> None:
    with ScriptedServer("openai", BRAIN, lambda n, b: Act("status", status=401)) as server:
        outcome = router(model("a", server.url)).ask("a", request(), HuntAnswer)
    assert isinstance(outcome, Refusal) and "401" in outcome.detail and server.count == 1


def test_fallback_chain_when_primary_stays_down() -> None:
    with (
        ScriptedServer("openai", BRAIN, lambda n, b: Act("status", status=500)) as down,
        ScriptedServer("anthropic", BRAIN) as up,
    ):
        r = router(
            model("a", down.url, fallback=("b",), max_retries=1), model("b", up.url, provider="anthropic")
        )
        outcome = r.ask("a", request(), HuntAnswer)
    assert isinstance(outcome, ModelReply) and outcome.model == "b"
    assert down.count == 2 and up.count == 1
    usage = {u.model: u for u in r.usage()}
    assert usage["a"].failures == 2 and usage["b"].requests == 1


def test_circuit_breaker_stops_calling_a_dead_model() -> None:
    with (
        ScriptedServer("openai", BRAIN, lambda n, b: Act("status", status=500)) as down,
        ScriptedServer("openai", BRAIN) as up,
    ):
        r = router(
            model("a", down.url, fallback=("b",), max_retries=0, breaker_threshold=3), model("b", up.url)
        )
        outcomes = [
            r.ask("a", request(unit=f"u{i}", code=f"  {i} | os.system(x)"), HuntAnswer) for i in range(1, 9)
        ]
    assert all(isinstance(o, ModelReply) and o.model == "b" for o in outcomes)
    assert down.count == 3  # then the circuit is open: no more requests to the dead model
    assert up.count == 8


def test_budget_stops_work_riskiest_first(tmp_path: Path) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        r = router(model("a", server.url, max_concurrency=1), budget=Budget(tokens=1500))
        jobs = [
            (
                risk,
                (
                    lambda risk=risk: r.ask(
                        "a", request(unit=f"u{risk}", code=f"  {risk} | os.system(x)"), HuntAnswer
                    )
                ),
            )
            for risk in [1, 9, 3, 7, 5, 2, 8]
        ]
        outcomes = r.map(jobs)
    answered = sorted(risk for (risk, _), o in zip(jobs, outcomes, strict=True) if isinstance(o, ModelReply))
    refused = [o for o in outcomes if isinstance(o, Refusal)]
    assert answered and refused, (answered, refused)
    assert all(o.reason is SkipReason.BUDGET for o in refused)
    assert min(answered) > max(
        risk for (risk, _), o in zip(jobs, outcomes, strict=True) if isinstance(o, Refusal)
    )
    assert server.count == len(answered)


def test_cache_makes_the_second_run_send_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with ScriptedServer("openai", BRAIN) as server:
        first = router(model("a", server.url), cache=ResponseCache(path)).ask("a", request(), HuntAnswer)
        second_router = router(model("a", server.url), cache=ResponseCache(path))
        second = second_router.ask("a", request(), HuntAnswer)
        third = second_router.ask("a", request(code="  4 | os.system(y)"), HuntAnswer)
    assert isinstance(first, ModelReply) and isinstance(second, ModelReply) and isinstance(third, ModelReply)
    assert second.cached and second.data == first.data and not third.cached
    assert server.count == 2  # first run, plus the changed prompt
    assert [u.cached for u in second_router.usage()] == [1]


def test_rate_limit_spaces_requests() -> None:
    with ScriptedServer("openai", BRAIN) as server:
        r = router(model("a", server.url, requests_per_minute=600, max_concurrency=1))
        started = time.perf_counter()
        r.map(
            [
                (0, (lambda i=i: r.ask("a", request(unit=str(i), code=f"  {i} | x"), HuntAnswer)))
                for i in range(4)
            ]
        )
        elapsed = time.perf_counter() - started
    assert server.count == 4 and elapsed >= 0.25  # 10/s, burst 1: three waits of 0.1 s


def test_a_plan_keeps_no_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan sends nothing, so it waits for no rate limit (a README plan once took 8 s)."""
    waits: list[float] = []
    monkeypatch.setattr("vulnhound.models.router.time.sleep", waits.append)
    with ScriptedServer("openai", BRAIN) as server:
        config = model("a", server.url, requests_per_minute=6, max_concurrency=1)
        clients = {"a": ModelClient(config, create_provider(config, {}))}
        r = Router(Guard(plan=True), clients, plan=True)
        outcomes = [r.ask("a", request(unit=str(i), code=f"  {i} | x"), HuntAnswer) for i in range(4)]
        assert server.count == 0
    assert all(isinstance(o, Refusal) and o.planned for o in outcomes)
    assert waits == []
    live = router(model("a", "http://127.0.0.1:9", requests_per_minute=6, max_concurrency=1, max_retries=0))
    for i in range(2):  # the control: a real run does wait for its rate
        live.ask("a", request(unit=str(i), code=f"  {i} | x"), HuntAnswer)
    assert any(w > 1 for w in waits)
