"""Answer schemas: a strict JSON schema to send, a pydantic model to validate with.

The JSON schemas are written by hand in the strict subset OpenAI-style servers accept
(every property required, no additional properties). Validation is lenient about extra
keys so that a chatty model's answer is still usable.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _clamp01(value: Any) -> Any:
    """Models say 85 or 1.2 for a confidence; the meaning survives a clamp (or /100)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) / 100 if 1.5 < value <= 100 else float(value)
        return min(1.0, max(0.0, number))
    return value


class TriageAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    verdict: Literal["true_positive", "false_positive", "uncertain"]
    rationale: str = Field(max_length=4000)
    confidence: float = Field(ge=0.0, le=1.0)

    _clamp = field_validator("confidence", mode="before")(lambda v: _clamp01(v))


class HuntItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cwe: str
    line: int
    sink_call: str = Field(default="", max_length=200)
    source_line: int = 0
    severity: Literal["critical", "high", "medium", "low", "info"] = "medium"
    title: str = Field(default="", max_length=300)
    explanation: str = Field(default="", max_length=4000)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    _clamp = field_validator("confidence", mode="before")(lambda v: _clamp01(v))


class HuntAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[HuntItem] = Field(max_length=50)


class CheckAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ok: bool
    echo: str = ""


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


TRIAGE_SCHEMA = _object(
    {
        "verdict": {"type": "string", "enum": ["true_positive", "false_positive", "uncertain"]},
        "rationale": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    }
)

HUNT_SCHEMA = _object(
    {
        "findings": {
            "type": "array",
            "items": _object(
                {
                    "cwe": {"type": "string", "pattern": "^CWE-[0-9]+$"},
                    "line": {"type": "integer"},
                    "sink_call": {"type": "string"},
                    "source_line": {"type": "integer"},
                    "severity": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
                    "title": {"type": "string"},
                    "explanation": {"type": "string"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                }
            ),
        }
    }
)

CHECK_SCHEMA = _object({"ok": {"type": "boolean"}, "echo": {"type": "string"}})
