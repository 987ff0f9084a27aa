"""Anthropic Messages API (``/v1/messages``): structured output through a forced tool call."""

from __future__ import annotations

import json
from typing import Any

from vulnhound.guard.interface import InboundResponse, ModelEndpoint, OutboundRequest
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import ModelCallError, ModelRequest, ProviderReply, Usage, status_error

API_VERSION = "2023-06-01"


class AnthropicProvider:
    def __init__(self, config: ModelConfig, api_key: str) -> None:
        self.config = config
        self._headers = {"Content-Type": "application/json", "anthropic-version": API_VERSION}
        if api_key:
            self._headers["x-api-key"] = api_key
        base = config.base_url.rstrip("/")
        url = base + "/messages" if base.endswith("/v1") else base + "/v1/messages"
        self.endpoint = ModelEndpoint(config.name, config.zone, url)

    def build(self, request: ModelRequest, *, structured: bool) -> OutboundRequest:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        payload: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "messages": [
                {"role": m.role, "content": m.content} for m in request.messages if m.role != "system"
            ],
        }
        if system:
            payload["system"] = system
        if structured:
            payload["tools"] = [
                {
                    "name": request.schema_name,
                    "description": "Report your answer through this tool.",
                    "input_schema": dict(request.schema),
                }
            ]
            payload["tool_choice"] = {"type": "tool", "name": request.schema_name}
        return OutboundRequest(
            endpoint=self.endpoint,
            method="POST",
            headers=self._headers,
            payload=payload,
            spans=request.spans,
            purpose=request.purpose,
            unit_id=request.unit_id,
            markers=request.markers,
        )

    def parse(self, response: InboundResponse) -> ProviderReply:
        if not 200 <= response.status < 300:
            raise status_error(response)
        try:
            body = json.loads(response.body)
            blocks = body["content"]
            usage = body.get("usage") or {}
            tokens = Usage(int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)))
            for block in blocks:
                if block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
                    return ProviderReply(
                        text=json.dumps(block["input"]), usage=tokens, structured=block["input"]
                    )
            text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelCallError(f"unreadable messages response: {exc!r}", retryable=True) from exc
        return ProviderReply(text=text, usage=tokens)
