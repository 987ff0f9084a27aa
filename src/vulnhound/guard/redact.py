"""Redaction: replace every detected secret with a placeholder before anything leaves.

Secrets are found where they are written, in each scanned file with that file's language
(:meth:`Redactor.prime`), because a payload shows code in another form: line-number
prefixes defeat line-anchored detectors, and a prompt has no file type. What the file
scan finds is then hidden three ways:

1. in the file's *view* (:meth:`Redactor.redact_source`), which is what the model layer
   builds prompts from: each secret replaced in place, line structure kept (a PEM block
   becomes one placeholder per line), so line numbers still match the file;
2. wherever it appears in a payload that carries the file (its ``spans``), whatever the
   form: a finding message, a taint step, a quoted line (short values only as whole words);
3. in every payload of the scan when the value looks like a credential (long enough, not
   a plain word), which covers a secret copied from one file into another.

Every payload string is also scanned by the detectors itself, as a last line of defence.

Placeholders are deterministic per payload: a value found by :meth:`prime` (the scanned
files in path order) has one number for the whole scan; a value found only in a payload is
numbered after those, in order of first appearance in that payload. So a plan and a real
run build byte-identical payloads whatever order threads redact them in. Placeholders are
never mapped back: a model's answer is model text, and secrets must not be restored into
reports (nothing the model says is where the secret came from).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vulnhound.guard.secrets import SecretDetector

PLACEHOLDER_FORMAT = "<<VH_SECRET_{}>>"
PLACEHOLDER = re.compile(r"<<VH_SECRET_\d+>>")
# Values this long that are not a plain word are hidden from every payload of the scan.
GLOBAL_MIN_LENGTH = 6
PLAIN_WORD_MAX = 11  # a plain word up to this length may be an ordinary word elsewhere
# Values shorter than this are not searched for outside the place they were found.
FILE_MIN_LENGTH = 3
CLEAN_MEMO_SIZE = 4096
_PLAIN_WORD = re.compile(r"[A-Za-z]+")
_WORD_CHAR = re.compile(r"\w")


class Source(Protocol):
    """What the redactor needs of a scanned file (a :class:`~vulnhound.sources.SourceFile`)."""

    @property
    def path(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def absolute_path(self) -> str: ...


@dataclass
class Redaction:
    """The outcome of redacting one text or payload."""

    value: Any
    count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    # Placeholder numbers given inside this payload to values no file scan found.
    local: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _FileSecrets:
    digest: bytes
    spans: tuple[tuple[int, int], ...]  # merged, in the file text
    values: frozenset[str]


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping or touching spans: no part of a secret survives between two."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span cut at line breaks, without the breaks (nor a trailing carriage return)."""
    out: list[tuple[int, int]] = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline < 0 else newline
        piece_end = stop - 1 if stop > position and text[stop - 1] == "\r" else stop
        if piece_end > position:
            out.append((position, piece_end))
        position = stop + 1
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _rebuild(value: Any, done: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return done.get(value, value)
    if isinstance(value, Mapping):
        return {key: _rebuild(item, done) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rebuild(item, done) for item in value]
    return value


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _is_global(value: str) -> bool:
    if len(value) < GLOBAL_MIN_LENGTH:
        return False
    return not (len(value) <= PLAIN_WORD_MAX and _PLAIN_WORD.fullmatch(value))


# a string known clean: its digest, the files it carries, the tool-written markers in it
_CleanKey = tuple[bytes, tuple[str, ...], tuple[str, ...]]


def _occurrences(values: Iterable[str], text: str, bounded: bool) -> list[tuple[int, int]]:
    """Spans of every occurrence of ``values`` in ``text``; whole words only where
    ``bounded`` and the value starts or ends with a word character.

    ``str.find`` per value, not one big alternation: the regex engine would try every
    value at every position, while a substring search skips ahead in C.
    """
    spans: list[tuple[int, int]] = []
    size = len(text)
    for value in values:
        at = text.find(value)
        if at < 0:
            continue
        left = bounded and _WORD_CHAR.match(value[0]) is not None
        right = bounded and _WORD_CHAR.match(value[-1]) is not None
        while at >= 0:
            end = at + len(value)
            if not (
                (left and at > 0 and _WORD_CHAR.match(text[at - 1]))
                or (right and end < size and _WORD_CHAR.match(text[end]))
            ):
                spans.append((at, end))
            at = text.find(value, at + 1)
    return spans


class Redactor:
    """Replaces secrets with ``<<VH_SECRET_n>>``; thread-safe, one per scan."""

    def __init__(self, detector: SecretDetector | None = None, memo_size: int = CLEAN_MEMO_SIZE) -> None:
        self.detector = detector or SecretDetector.default()
        self._numbers: dict[str, int] = {}
        self._files: dict[str, _FileSecrets] = {}
        self._views: dict[tuple[str, bytes], str] = {}
        self._global: tuple[str, ...] = ()  # values hidden from every payload
        self._file_values: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._generation = 0  # bumped whenever the known secrets change
        self._clean: OrderedDict[_CleanKey, int] = OrderedDict()
        self._memo_size = memo_size
        self._lock = threading.Lock()

    # -- learning what the files hold ------------------------------------------------
    def prime(self, files: Iterable[Source]) -> None:
        """Find the secrets of these files, numbering them in path order."""
        for source in sorted(files, key=lambda f: f.path):
            self._learn(source.path, source.text, source.language)

    def _scan_file(self, text: str, language: str | None) -> list[tuple[int, int]]:
        spans = [(m.start, m.end) for m in self.detector.find_all(text, language)]
        if language is not None:  # detectors of unknown-language text too: redaction is a superset
            spans += [(m.start, m.end) for m in self.detector.find_all(text, None)]
        return merge(spans)

    def _learn(self, path: str, text: str, language: str | None) -> _FileSecrets:
        digest = _digest(text)
        with self._lock:
            known = self._files.get(path)
        if known is not None and known.digest == digest:
            return known
        spans = self._scan_file(text, language)
        values = [text[a:b] for start, end in spans for a, b in _pieces(text, start, end)]
        entry = _FileSecrets(digest, tuple(spans), frozenset(values))
        with self._lock:
            for value in values:
                if value not in self._numbers:
                    self._numbers[value] = len(self._numbers) + 1
            self._files[path] = entry
            fresh = {v for v in values if _is_global(v)} - set(self._global)
            if fresh or known is not None:
                self._global = tuple(sorted({*self._global, *fresh}, key=lambda v: (-len(v), v)))
                self._file_values.clear()
                self._generation += 1
        return entry

    def file_secrets(self, path: str) -> frozenset[str]:
        """Every value found in the file at ``path`` (relative to the scan root)."""
        with self._lock:
            entry = self._files.get(path)
        return entry.values if entry is not None else frozenset()

    @property
    def known(self) -> int:
        """How many distinct secret values the file scans found."""
        with self._lock:
            return len(self._numbers)

    # -- redacting --------------------------------------------------------------------
    def redact_source(self, source: Source) -> str:
        """The file as models may see it: every secret replaced where it stands, lines kept."""
        path, text = source.path, source.text
        entry = self._learn(path, text, source.language)
        key = (path, entry.digest)
        with self._lock:
            view = self._views.get(key)
        if view is not None:
            return view
        with self._lock:
            others = self._global
        # Secrets of other files copied here too.
        spans = [*entry.spans, *_occurrences(others, text, bounded=False)]
        view = self._replace(text, merge(spans), Redaction(None))
        with self._lock:
            self._views[key] = view
        return view

    def redact_text(self, text: str, paths: Sequence[str] = ()) -> Redaction:
        """Redact one string that may carry code of the files at ``paths``."""
        return self.redact_payload(text, paths)

    def redact_payload(self, value: Any, paths: Sequence[str] = (), keep: Sequence[str] = ()) -> Redaction:
        """Redact every string value of a JSON-like structure (keys are protocol, left alone).

        Two passes: the detectors run on every string first, so that a value they find in
        one string is also hidden where it recurs in the others, undetected. ``keep``: text
        the tool wrote (fence lines with a hex tag); a detection inside it is no secret and
        is neither hidden nor counted.
        """
        total = Redaction(None)
        key = tuple(sorted(set(paths)))
        markers = tuple(k for k in dict.fromkeys(keep) if k)
        strings = list(dict.fromkeys(_strings(value)))
        detected = {text: self._detect(text, key, total, markers) for text in strings}
        recurring = {
            text[a:b]
            for text, spans in detected.items()
            for a, b in spans or ()
            if b - a >= GLOBAL_MIN_LENGTH
        }
        done = {text: self._finish(text, detected[text], recurring, total) for text in strings}
        total.value = _rebuild(value, done)
        return total

    def _values_of(self, paths: tuple[str, ...]) -> tuple[str, ...]:
        """The values of these files not already hidden everywhere, searched as whole words."""
        with self._lock:
            cached = self._file_values.get(paths)
            if cached is not None:
                return cached
            found = {
                v
                for p in paths
                if (entry := self._files.get(p)) is not None
                for v in entry.values
                if len(v) >= FILE_MIN_LENGTH
            } - set(self._global)
            values = tuple(sorted(found, key=lambda v: (-len(v), v)))
            if len(self._file_values) < 1024:
                self._file_values[paths] = values
            return values

    def _still_clean(self, key: _CleanKey) -> bool:
        with self._lock:
            generation = self._clean.get(key)
            if generation is None:
                return False
            if generation != self._generation:
                del self._clean[key]
                return False
            self._clean.move_to_end(key)
            return True

    def _remember_clean(self, key: _CleanKey, generation: int) -> None:
        if self._memo_size <= 0:
            return
        with self._lock:
            self._clean[key] = generation
            self._clean.move_to_end(key)
            while len(self._clean) > self._memo_size:
                self._clean.popitem(last=False)

    def _detect(
        self, text: str, paths: tuple[str, ...], total: Redaction, markers: tuple[str, ...] = ()
    ) -> list[tuple[int, int]] | None:
        """Spans to hide in ``text``: detector matches (outside the tool's own ``markers``) and
        known secrets; None when clean."""
        if not text:
            return None
        key = (_digest(text), paths, markers)
        if self._still_clean(key):
            return None
        with self._lock:
            generation = self._generation
            known = self._global
        spans: list[tuple[int, int]] = []
        written = _occurrences(markers, text, bounded=False) if markers else []
        for match in self.detector.find_all(text):
            if any(a <= match.start and match.end <= b for a, b in written):
                continue  # the fence's own tag
            spans.append((match.start, match.end))
            total.kinds[match.kind] = total.kinds.get(match.kind, 0) + 1
        reused = _occurrences(known, text, bounded=False)
        if paths:
            reused += _occurrences(self._values_of(paths), text, bounded=True)
        if reused:
            total.kinds["known-secret"] = total.kinds.get("known-secret", 0) + len(reused)
        if not spans and not reused:
            self._remember_clean(key, generation)
            return None
        return spans + reused

    def _finish(
        self, text: str, spans: list[tuple[int, int]] | None, recurring: set[str], total: Redaction
    ) -> str:
        found = list(spans or ())
        if recurring:  # values detected elsewhere in this payload
            found += _occurrences(sorted(recurring, key=lambda v: (-len(v), v)), text, bounded=True)
        if not found:
            return text
        return self._replace(text, merge(found), total)

    def _replace(self, text: str, spans: Sequence[tuple[int, int]], total: Redaction) -> str:
        """``text`` with each line piece of each span replaced by its placeholder."""
        out: list[str] = []
        position = 0
        for start, end in spans:
            for a, b in _pieces(text, start, end):
                if PLACEHOLDER.fullmatch(text, a, b):
                    continue  # already a placeholder: nothing to hide
                out.append(text[position:a])
                out.append(self._placeholder(text[a:b], total))
                position = b
                total.count += 1
        out.append(text[position:])
        return "".join(out)

    def _placeholder(self, value: str, total: Redaction) -> str:
        with self._lock:
            number = self._numbers.get(value)
            base = len(self._numbers)
        if number is not None:
            return PLACEHOLDER_FORMAT.format(number)
        local = total.local.get(value)
        if local is None:
            local = PLACEHOLDER_FORMAT.format(base + len(total.local) + 1)
            total.local[value] = local
        return local
