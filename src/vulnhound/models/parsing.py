"""Tolerant extraction of one JSON object from a model's text answer.

Servers without structured output wrap JSON in code fences or prose; this finds the
first balanced object that decodes. Anything else is an :class:`AnswerError`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vulnhound.models.interface import AnswerError

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``: whole text, a fenced block, or a balanced ``{...}``."""
    candidates = [text.strip()]
    candidates.extend(m.group(1).strip() for m in _FENCE.finditer(text))
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(text) if ch == "{"):
        try:
            value, _end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise AnswerError(f"no JSON object in the answer: {text[:120]!r}")
