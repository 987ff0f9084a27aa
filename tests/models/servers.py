"""Real loopback HTTP servers speaking the OpenAI and Anthropic wire formats, scripted.

A "brain" reads the request like a model would (the numbered code in the prompt) and
answers; behaviours (429, 500, hang, drop, garbage) are injected per request number.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LINE = re.compile(r"^\s*(\d+) \| (.*)$", re.MULTILINE)

# Actions a script returns for one request.
Answer = dict[str, Any]  # the JSON object the model "means"


@dataclass
class Act:
    kind: str = "answer"  # answer | text | status | hang | drop
    answer: Answer | None = None
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def code_lines(prompt: str) -> list[tuple[int, str]]:
    return [(int(n), text) for n, text in LINE.findall(prompt)]


def calibration(
    name: str, provider: str = "openai", model: str = "m", real: int = 60, dismissed: int = 0
) -> str:
    """A `.vulnhound/calibration.json` saying ``name`` was measured on ``real`` real findings and
    dismissed ``dismissed`` of them: lets its triage dismiss (or not) where a test needs it."""
    from vulnhound.models.calibration import Calibration

    record = Calibration(
        name,
        f"{provider}:{model}",
        "fixture",
        "0" * 64,
        "2026-12-03",
        real,
        20,
        dismissed,
        15,
        real + 15 - dismissed,
        real + 20,
        0,
    )
    return json.dumps({"version": 1, "models": {name: record.to_json()}})


def _last_call(line: str) -> str:
    """The last call written on a line (``os.system`` in ``os.system('ls ' + d)``)."""
    calls = re.findall(r"([A-Za-z_][\w.]*)\s*\(", line)
    return calls[-1] if calls else ""


def hunting_brain(patterns: dict[str, str]) -> Callable[[str], Answer]:
    """Report ``cwe`` on every shown line containing a key of ``patterns``."""

    def brain(prompt: str) -> Answer:
        if "Is this finding a true positive?" in prompt:
            return triage_brain(prompt)
        found = [
            {
                "cwe": cwe,
                "line": n,
                "severity": "high",
                "title": f"{needle} use",
                "sink_call": _last_call(text),
                "source_line": 0,
                "explanation": f"{needle} on line {n}",
                "confidence": 0.9,
            }
            for n, text in code_lines(prompt)
            for needle, cwe in patterns.items()
            if needle in text
        ]
        return {"findings": found}

    return brain


def triage_brain(prompt: str) -> Answer:
    """False positive when the flagged line is marked test only (``test_only`` in the code, or
    a comment, which triage payloads no longer carry unless the policy keeps them); else true."""
    loc = re.search(r"Location: \S+:(\d+)", prompt)
    line = int(loc.group(1)) if loc else 0
    text = dict(code_lines(prompt)).get(line, "")
    if "test only" in text or "test_only" in text or "# safe" in text:
        return {
            "verdict": "false_positive",
            "rationale": f"line {line} is marked test only",
            "confidence": 0.9,
        }
    return {"verdict": "true_positive", "rationale": f"line {line} is reachable", "confidence": 0.8}


class ScriptedServer:
    """``ScriptedServer("openai", brain, script)``: ``script(n, body)`` may return an Act to
    override the brain for request number ``n`` (1-based)."""

    def __init__(
        self,
        wire: str,
        brain: Callable[[str], Answer],
        script: Callable[[int, dict[str, Any]], Act | None] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.wire = wire
        self.brain = brain
        self.script = script or (lambda _n, _b: None)
        self.latency = latency
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms wait

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with server._lock:
                    server.raw.append(raw)
                    server.paths.append(self.path)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = {}
                    server.requests.append(body)
                    number = len(server.requests)
                if server.latency:
                    time.sleep(server.latency)
                act = server.script(number, body) or Act()
                server.respond(self, act, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}" + ("/v1" if self.wire == "openai" else "")

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def count(self) -> int:
        return len(self.requests)

    def prompts(self) -> list[str]:
        out = []
        for body in self.requests:
            msgs = body.get("messages", [])
            out.append("\n".join(str(m.get("content", "")) for m in msgs) + str(body.get("system", "")))
        return out

    def respond(self, handler: BaseHTTPRequestHandler, act: Act, body: dict[str, Any]) -> None:
        if act.kind == "hang":
            time.sleep(act.seconds)
            return self._send(handler, 200, b"{}", {})
        if act.kind == "drop":
            handler.close_connection = True
            handler.wfile.flush()
            handler.connection.shutdown(2)
            return None
        if act.kind == "status":
            payload = act.text.encode() or b'{"error": {"message": "scripted"}}'
            return self._send(handler, act.status, payload, act.headers)
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        if act.kind == "text":
            content = act.text
        else:
            content = json.dumps(act.answer if act.answer is not None else self.brain(prompt))
        tokens_in, tokens_out = len(json.dumps(body)) // 4, len(content) // 4
        if self.wire == "openai":
            doc = {
                "id": "x",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out},
            }
        else:
            tools = body.get("tools") or []
            if tools and act.kind == "answer":
                block = {
                    "type": "tool_use",
                    "id": "t1",
                    "name": tools[0]["name"],
                    "input": json.loads(content),
                }
            else:
                block = {"type": "text", "text": content}
            doc = {
                "id": "m",
                "type": "message",
                "role": "assistant",
                "content": [block],
                "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
            }
        return self._send(handler, 200, json.dumps(doc).encode(), {})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
