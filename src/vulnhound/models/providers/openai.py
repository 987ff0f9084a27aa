"""OpenAI-compatible ``/chat/completions`` (vLLM, SGLang, Ollama, llama.cpp server, OpenAI...)."""

from __future__ import annotations

import json
from typing import Any

from vulnhound.guard.interface import InboundResponse, ModelEndpoint, OutboundRequest
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import ModelCallError, ModelRequest, ProviderReply, Usage, status_error


def chat_payload(config: ModelConfig, request: ModelRequest, *, structured: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "model": config.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
    }
    if structured:
        payload["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": dict(request.schema), "strict": True},
        }
    return payload


def parse_chat(response: InboundResponse) -> ProviderReply:
    if not 200 <= response.status < 300:
        raise status_error(response)
    try:
        body = json.loads(response.body)
        message = body["choices"][0]["message"]
        text = message.get("content") or ""
        usage = body.get("usage") or {}
        tokens = Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # a proxy's HTML error page or a truncated body: worth one more try
        raise ModelCallError(f"unreadable chat completion: {exc!r}", retryable=True) from exc
    return ProviderReply(text=str(text), usage=tokens)


class OpenAIProvider:
    def __init__(self, config: ModelConfig, api_key: str) -> None:
        self.config = config
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self.endpoint = ModelEndpoint(
            config.name, config.zone, config.base_url.rstrip("/") + "/chat/completions"
        )

    def build(self, request: ModelRequest, *, structured: bool) -> OutboundRequest:
        return OutboundRequest(
            endpoint=self.endpoint,
            method="POST",
            headers=self._headers,
            payload=chat_payload(self.config, request, structured=structured),
            spans=request.spans,
            purpose=request.purpose,
            unit_id=request.unit_id,
            markers=request.markers,
        )

    def parse(self, response: InboundResponse) -> ProviderReply:
        return parse_chat(response)
