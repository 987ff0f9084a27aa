"""Redaction: replace every detected secret with a stable placeholder, and map it back.

A scan holds one :class:`Redactor`, so the same secret gets the same placeholder in every
request. Numbers are given in order of first sight; :meth:`Redactor.prime` numbers the
secrets of the scanned files in path order up front, so that the payloads (and their
hashes) do not depend on the order in which concurrent requests happen to be redacted.

Most strings of a payload repeat from request to request (the system prompt, the JSON
schema's descriptions), so texts found clean are remembered by a digest (bounded LRU)
together with how many secrets were known when they were checked. A remembered text is
only checked again for secrets learnt since; a text never seen is always scanned in full.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vulnhound.guard.secrets import SecretDetector

PLACEHOLDER_FORMAT = "<<VH_SECRET_{}>>"
_PLACEHOLDER = re.compile(r"<<VH_SECRET_(\d+)>>")
# A secret seen once is also redacted where no detector fires (``login("hunter2x")``),
# unless it is so short that it would hit ordinary text.
MIN_REUSE_LENGTH = 6
# Clean texts remembered (16-byte digests): plenty for a scan's constant strings.
CLEAN_MEMO_SIZE = 4096


@dataclass
class Redaction:
    """The outcome of redacting one text or payload."""

    value: Any
    count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    restorations: dict[str, str] = field(default_factory=dict)  # placeholder -> secret


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping spans: a secret inside or across another never survives in part."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class Redactor:
    """Replaces secrets with ``<<VH_SECRET_n>>``; thread-safe, one per scan."""

    def __init__(self, detector: SecretDetector | None = None, memo_size: int = CLEAN_MEMO_SIZE) -> None:
        self.detector = detector or SecretDetector.default()
        self._by_secret: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._secrets: list[str] = []  # in order of first sight, for the memo's catch-up check
        self._clean: OrderedDict[bytes, int] = OrderedDict()  # digest -> secrets known then
        self._memo_size = memo_size
        self._lock = threading.Lock()

    def _placeholder(self, secret: str) -> str:
        placeholder = self._by_secret.get(secret)
        if placeholder is None:
            placeholder = PLACEHOLDER_FORMAT.format(len(self._by_secret) + 1)
            self._by_secret[secret] = placeholder
            self._by_placeholder[placeholder] = secret
            self._secrets.append(secret)
        return placeholder

    def _still_clean(self, key: bytes, text: str) -> bool:
        """True when ``text`` was found clean before and holds none of the secrets learnt since."""
        with self._lock:
            known = self._clean.get(key)
            if known is None:
                return False
            current = len(self._secrets)
            if known == current:  # nothing learnt since: the common case, one lock
                self._clean.move_to_end(key)
                return True
            newer = self._secrets[known:]
        if any(len(s) >= MIN_REUSE_LENGTH and s in text for s in newer):
            with self._lock:
                self._clean.pop(key, None)
            return False
        with self._lock:
            if key in self._clean:
                self._clean[key] = current
                self._clean.move_to_end(key)
        return True

    def _remember_clean(self, key: bytes, known: int) -> None:
        if self._memo_size <= 0:
            return
        with self._lock:
            self._clean[key] = known
            self._clean.move_to_end(key)
            while len(self._clean) > self._memo_size:
                self._clean.popitem(last=False)

    def prime(self, texts: Iterable[str]) -> None:
        """Number the secrets of these texts in order (e.g. the scanned files, sorted by path)."""
        for text in texts:
            spans = _merge((m.start, m.end) for m in self.detector.find_all(text))
            with self._lock:
                for start, end in spans:
                    self._placeholder(text[start:end])

    def redact_text(self, text: str) -> Redaction:
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if self._still_clean(key, text):
            return Redaction(text)
        matches = self.detector.find_all(text)
        spans = [(m.start, m.end) for m in matches]
        kinds: dict[str, int] = {}
        for match in matches:
            kinds[match.kind] = kinds.get(match.kind, 0) + 1
        with self._lock:
            known_count = len(self._secrets)
            candidates = {*self._by_secret, *(m.value for m in matches)}
        known = [s for s in candidates if len(s) >= MIN_REUSE_LENGTH and s in text]
        detected = list(spans)
        for secret in known:
            start = text.find(secret)
            while start != -1:
                end = start + len(secret)
                if not any(s < end and start < e for s, e in detected):
                    kinds["known-secret"] = kinds.get("known-secret", 0) + 1
                spans.append((start, end))
                start = text.find(secret, start + 1)
        if not spans:
            self._remember_clean(key, known_count)
            return Redaction(text)
        pieces: list[str] = []
        restorations: dict[str, str] = {}
        position = 0
        merged = _merge(spans)
        with self._lock:
            for start, end in merged:
                secret = text[start:end]
                placeholder = self._placeholder(secret)
                restorations[placeholder] = secret
                pieces.append(text[position:start])
                pieces.append(placeholder)
                position = end
        pieces.append(text[position:])
        return Redaction("".join(pieces), len(merged), kinds, restorations)

    def redact_payload(self, value: Any) -> Redaction:
        """Redact every string value of a JSON-like structure (keys are protocol, left alone)."""
        total = Redaction(None)
        total.value = self._walk(value, total)
        return total

    def _walk(self, value: Any, total: Redaction) -> Any:
        if isinstance(value, str):
            result = self.redact_text(value)
            total.count += result.count
            total.restorations.update(result.restorations)
            for kind, n in result.kinds.items():
                total.kinds[kind] = total.kinds.get(kind, 0) + n
            return result.value
        if isinstance(value, Mapping):
            return {key: self._walk(item, total) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(item, total) for item in value]
        return value

    def restore(self, text: str, restorations: Mapping[str, str] | None = None) -> str:
        """Put the secrets back where a model's answer quotes their placeholders."""
        with self._lock:
            table = dict(restorations) if restorations is not None else dict(self._by_placeholder)
        return _PLACEHOLDER.sub(lambda m: table.get(m.group(0), m.group(0)), text)
