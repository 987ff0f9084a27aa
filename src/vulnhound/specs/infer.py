"""Spec inference: a model labels the APIs the engine cannot classify; the engine finds the flows.

For each candidate (see :mod:`vulnhound.specs.candidates`) one request goes through the router
and the egress guard like any other model request (policy, redaction, ledger, plan): it holds
the API's name, a wrapper's signature and docstring, and three lines around one call site,
never a function body. The model answers source / sink (with its kind and argument) /
sanitizer (with the kinds it makes safe) / propagator / none, with a reason. Answers become
entries of a rule file (:mod:`vulnhound.specs.specfile`) that a scan reads with no model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vulnhound.guard.interface import CodeSpan
from vulnhound.models.interface import ModelReply, ModelRequest
from vulnhound.models.prompts import DATA_RULES, boundary_tag, fence, fence_lines, numbered
from vulnhound.models.router import Outcome, Refusal, messages
from vulnhound.models.session import ModelRun
from vulnhound.specs.candidates import Candidate

PURPOSE = "specs"
Role = Literal["source", "sink", "sanitizer", "propagator", "none"]

SPEC_SYSTEM = (
    "You are a senior application-security engineer labelling one API for a taint analyzer. "
    "Say what the API does with data: 'source' (it returns data an attacker controls: request "
    "parameters, network input), 'sink' (data passed to it is executed or interpreted: a SQL "
    "query, a shell command, a file path, a template, a URL fetched, HTML sent), 'sanitizer' "
    "(it returns its input made safe for some sinks), 'propagator' (it returns data derived from "
    "its input), or 'none'. For a sink give its kind ({kinds}) and the 0-based argument that "
    "reaches it (-1: any); for a sanitizer the kinds it makes safe. Judge only from the name, the "
    "signature, the docstring and the call shown; answer 'none' when unsure. Answer with one "
    'JSON object: {{"role": "source" | "sink" | "sanitizer" | "propagator" | "none", "kind": '
    'string, "argument": number, "clears": [string], "reason": string, "confidence": number '
    "between 0 and 1}}. " + DATA_RULES
)


class SpecAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Role
    kind: str = Field(default="", max_length=40)
    argument: int = -1
    clears: list[str] = Field(default_factory=list, max_length=20)
    reason: str = Field(default="", max_length=1000)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


SPEC_SCHEMA = {
    "type": "object",
    "properties": {
        "role": {"type": "string", "enum": ["source", "sink", "sanitizer", "propagator", "none"]},
        "kind": {"type": "string"},
        "argument": {"type": "integer"},
        "clears": {"type": "array", "items": {"type": "string"}},
        "reason": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["role", "kind", "argument", "clears", "reason", "confidence"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Label:
    """A model's accepted answer for one candidate, with what it was shown."""

    candidate: str
    role: Role
    kind: str
    argument: int
    clears: tuple[str, ...]
    model: str
    reason: str
    seen: str  # sha256 of the user message the model answered


@dataclass(frozen=True)
class Inference:
    labels: tuple[Label, ...]
    asked: int
    refused: tuple[str, ...]  # one line per candidate no model answered
    dropped: tuple[str, ...]  # answers that named an unknown kind, or said nothing usable


def spec_request(candidate: Candidate, kinds: Sequence[str]) -> ModelRequest:
    """Name, signature, docstring and one call site: what the request may show."""
    blocks: list[tuple[str, str]] = []
    spans: list[CodeSpan] = []
    if candidate.kind == "wrapper":
        header = candidate.signature + (f'\n    """{candidate.docstring}"""' if candidate.docstring else "")
        blocks.append((f"signature of {candidate.name} (body not shown)", header))
    if candidate.site is not None:
        site = candidate.site
        blocks.append((f"a call in {site.path}", numbered(list(site.text), site.first)))
        spans.append(CodeSpan(site.path, site.first, site.first + len(site.text) - 1))
    tag = boundary_tag("\n".join(code for _, code in blocks))
    what = "the project's function" if candidate.kind == "wrapper" else "the external API"
    wraps = f" It passes its parameters to {', '.join(candidate.wraps)}." if candidate.wraps else ""
    user = f"Label {what} `{candidate.name}`.{wraps}\n\n{fence(blocks, tag)}"
    return ModelRequest(
        messages=messages(SPEC_SYSTEM.format(kinds=", ".join(kinds), tag=tag), user),
        schema=SPEC_SCHEMA,
        schema_name="api_label",
        purpose=PURPOSE,
        unit_id=candidate.name,
        spans=tuple(spans),
        risk=0,
        markers=fence_lines(tag),
    )


def _accept(candidate: Candidate, reply: ModelReply, kinds: Sequence[str], seen: str) -> Label | str:
    answer = SpecAnswer.model_validate(reply.data)
    if answer.role == "none":
        return f"{candidate.name}: model {reply.model} says none"
    kind = answer.kind.strip().lower()
    if answer.role == "sink" and kind not in kinds:
        return f"{candidate.name}: model {reply.model} named unknown sink kind {answer.kind[:20]!r}"
    clears = tuple(c for c in (c.strip().lower() for c in answer.clears) if c in kinds)
    if answer.role == "sanitizer" and not clears:
        return f"{candidate.name}: model {reply.model} named no known kind the sanitizer clears"
    return Label(
        candidate.name,
        answer.role,
        kind if answer.role == "sink" else "",
        max(-1, answer.argument),
        clears,
        reply.model,
        " ".join(answer.reason.split())[:300],
        seen,
    )


def infer(run: ModelRun, candidates: Sequence[Candidate], kinds: Sequence[str]) -> Inference:
    """Ask the first selected model (its fallbacks behind it) about every candidate."""
    model = run.names[0]
    requests = [spec_request(c, kinds) for c in candidates]
    jobs = [(-i, _asker(run, model, r)) for i, r in enumerate(requests)]  # list order first
    outcomes = run.router.map(jobs)
    labels: list[Label] = []
    refused: list[str] = []
    dropped: list[str] = []
    for candidate, request, outcome in zip(candidates, requests, outcomes, strict=True):
        if isinstance(outcome, Refusal):
            if not outcome.planned:
                refused.append(f"{candidate.name}: {outcome.detail}")
            continue
        seen = hashlib.sha256(request.messages[-1].content.encode("utf-8")).hexdigest()
        accepted = _accept(candidate, outcome, kinds, seen)
        if isinstance(accepted, Label):
            labels.append(accepted)
        else:
            dropped.append(accepted)
    return Inference(tuple(labels), len(requests), tuple(refused), tuple(dropped))


def _asker(run: ModelRun, model: str, request: ModelRequest) -> Callable[[], Outcome]:
    return lambda: run.router.ask(model, request, SpecAnswer)
