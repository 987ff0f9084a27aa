"""The plan: what a scan would send, to which model, and what the guard would block.

Built from a guard run in plan mode. Payloads are deterministic, so each planned request's
SHA-256 is the hash a real run records for the same unit; :meth:`Plan.matches` compares.
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
    def total_bytes(self) -> int:
        return sum(p.bytes for p in self.planned)

    @property
    def total_tokens(self) -> int:
        return sum(p.estimated_tokens for p in self.planned)

    def hashes(self) -> list[str]:
        return sorted(p.sha256 for p in self.planned)

    def matches(self, sent_hashes: Iterable[str]) -> bool:
        """True when a real run sent exactly the planned payloads (as a multiset)."""
        return self.hashes() == sorted(sent_hashes)

    def per_model(self) -> dict[str, dict[str, int]]:
        summary: dict[str, dict[str, int]] = {}
        for item in self.planned:
            row = summary.setdefault(
                item.endpoint.name,
                {"requests": 0, "bytes": 0, "estimated_tokens": 0, "redactions": 0, "blocked": 0},
            )
            row["requests"] += 1
            row["bytes"] += item.bytes
            row["estimated_tokens"] += item.estimated_tokens
            row["redactions"] += item.redactions
        for blocked in self.blocked:
            row = summary.setdefault(
                blocked.endpoint.name,
                {"requests": 0, "bytes": 0, "estimated_tokens": 0, "redactions": 0, "blocked": 0},
            )
            row["blocked"] += 1
        return dict(sorted(summary.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "totals": {
                "requests": len(self.planned),
                "bytes": self.total_bytes,
                "estimated_tokens": self.total_tokens,
                "redactions": sum(p.redactions for p in self.planned),
                "blocked": len(self.blocked),
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
        lines = [
            f"plan: {len(self.planned)} request(s), {self.total_bytes} bytes, "
            f"~{self.total_tokens} tokens, {len(self.blocked)} blocked; nothing was sent"
        ]
        for name, row in self.per_model().items():
            lines.append(
                f"  model {name}: {row['requests']} request(s), {row['bytes']} bytes, "
                f"~{row['estimated_tokens']} tokens, {row['redactions']} redaction(s), {row['blocked']} blocked"
            )
        for p in self.planned:
            where = ", ".join(f"{s.path}:{s.start_line}-{s.end_line}" for s in p.spans) or "-"
            lines.append(
                f"  send  {p.unit_id or '-'} -> {p.endpoint.name} ({p.purpose}): {p.bytes} bytes, "
                f"{p.redactions} redaction(s)  [{where}]"
            )
        for b in self.blocked:
            lines.append(f"  block {b.unit_id or '-'} -> {b.endpoint.name} ({b.purpose}): {b.reason}")
        return "\n".join(lines) + "\n"
