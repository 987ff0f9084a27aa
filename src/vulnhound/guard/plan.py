"""The plan: what a scan would send, to which model, and what the guard would block.

Built from a guard run in plan mode. Payloads are deterministic (placeholders are numbered
per payload, the response cache is not consulted when planning), so each planned request's
SHA-256 is the hash a real run records for the same unit. Requests to fallback models are
planned too, marked ``fallback``: a real run sends them only when the first model fails.
:meth:`Plan.matches` and :meth:`Plan.covers` compare a run with the plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vulnhound.guard.door import BlockedRequest, Guard
from vulnhound.guard.interface import CodeSpan, PlannedRequest


def _spans(spans: Sequence[CodeSpan]) -> list[dict[str, Any]]:
    return [{"path": s.path, "lines": [s.start_line, s.end_line]} for s in spans]


@dataclass(frozen=True)
class Plan:
    planned: tuple[PlannedRequest, ...]
    blocked: tuple[BlockedRequest, ...]

    @classmethod
    def from_guard(cls, guard: Guard) -> Plan:
        return cls.build(guard.planned, guard.blocked)

    @classmethod
    def build(cls, planned: Iterable[PlannedRequest], blocked: Iterable[BlockedRequest]) -> Plan:
        # Sorted so that a plan does not depend on the order concurrent requests finished in.
        return cls(
            tuple(sorted(planned, key=lambda p: (p.unit_id, p.endpoint.name, p.purpose, p.sha256))),
            tuple(sorted(blocked, key=lambda b: (b.unit_id, b.endpoint.name, b.purpose, b.reason))),
        )

    @property
    def primary(self) -> tuple[PlannedRequest, ...]:
        return tuple(p for p in self.planned if not p.fallback)

    @property
    def total_bytes(self) -> int:
        return sum(p.bytes for p in self.primary)

    @property
    def total_tokens(self) -> int:
        return sum(p.estimated_tokens for p in self.primary)

    def hashes(self, *, fallback: bool = False) -> list[str]:
        """Planned payload hashes, sorted; those for fallback models only when asked."""
        return sorted(p.sha256 for p in self.planned if fallback or not p.fallback)

    def matches(self, sent_hashes: Iterable[str]) -> bool:
        """True when a run sent exactly the payloads planned for the first models (retries
        resend a payload, so this compares sets)."""
        return set(self.hashes()) == set(sent_hashes)

    def covers(self, sent_hashes: Iterable[str]) -> bool:
        """True when every payload a run sent was planned (fallbacks included)."""
        return set(sent_hashes) <= set(self.hashes(fallback=True))

    def per_model(self) -> dict[str, dict[str, int]]:
        summary: dict[str, dict[str, int]] = {}
        empty = {
            "requests": 0,
            "bytes": 0,
            "estimated_tokens": 0,
            "redactions": 0,
            "blocked": 0,
            "fallback": 0,
        }
        for item in self.planned:
            row = summary.setdefault(item.endpoint.name, dict(empty))
            if item.fallback:
                row["fallback"] += 1
                continue
            row["requests"] += 1
            row["bytes"] += item.bytes
            row["estimated_tokens"] += item.estimated_tokens
            row["redactions"] += item.redactions
        for blocked in self.blocked:
            row = summary.setdefault(blocked.endpoint.name, dict(empty))
            row["blocked"] += 1
        return dict(sorted(summary.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "totals": {
                "requests": len(self.primary),
                "bytes": self.total_bytes,
                "estimated_tokens": self.total_tokens,
                "redactions": sum(p.redactions for p in self.primary),
                "blocked": len(self.blocked),
                "fallback_requests": len(self.planned) - len(self.primary),
            },
            "models": self.per_model(),
            "units": [
                {
                    "unit_id": p.unit_id,
                    "model": p.endpoint.name,
                    "zone": p.endpoint.zone,
                    "purpose": p.purpose,
                    "files": _spans(p.spans),
                    "bytes": p.bytes,
                    "estimated_tokens": p.estimated_tokens,
                    "redactions": p.redactions,
                    "sha256": p.sha256,
                    "fallback": p.fallback,
                }
                for p in self.planned
            ],
            "blocked": [
                {
                    "unit_id": b.unit_id,
                    "model": b.endpoint.name,
                    "zone": b.endpoint.zone,
                    "purpose": b.purpose,
                    "files": _spans(b.spans),
                    "kind": b.kind,
                    "reason": b.reason,
                }
                for b in self.blocked
            ],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def render_text(self) -> str:
        fallbacks = len(self.planned) - len(self.primary)
        lines = [
            f"plan: {len(self.primary)} request(s), {self.total_bytes} bytes, "
            f"~{self.total_tokens} tokens, {len(self.blocked)} blocked"
            + (f", {fallbacks} more to fallback models if the first fail" if fallbacks else "")
            + "; nothing was sent"
        ]
        for name, row in self.per_model().items():
            lines.append(
                f"  model {name}: {row['requests']} request(s), {row['bytes']} bytes, "
                f"~{row['estimated_tokens']} tokens, {row['redactions']} redaction(s), {row['blocked']} blocked"
                + (f", {row['fallback']} as fallback" if row["fallback"] else "")
            )
        for p in self.planned:
            where = ", ".join(f"{s.path}:{s.start_line}-{s.end_line}" for s in p.spans) or "-"
            verb = "fallback" if p.fallback else "send"
            lines.append(
                f"  {verb:<5} {p.unit_id or '-'} -> {p.endpoint.name} ({p.purpose}): {p.bytes} bytes, "
                f"{p.redactions} redaction(s)  [{where}]"
            )
        for b in self.blocked:
            lines.append(f"  block {b.unit_id or '-'} -> {b.endpoint.name} ({b.purpose}): {b.reason}")
        return "\n".join(lines) + "\n"
