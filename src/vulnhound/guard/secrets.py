"""Secret detection, shared by redaction (before anything leaves) and the secrets analyzer.

The detectors are data (``rules/data/secrets.toml``): specific patterns for keys and tokens
whose shape is known, assignments to secret-looking names, passwords inside URLs, and a
generic high-entropy check for quoted random-looking strings. Placeholder values
(``changeme``, ``<password>``, ``${VAR}``) are not secrets and are skipped everywhere.

Some detectors are for redaction only (``report = false``: hex tokens, passwords in prose),
and literals concatenated to a credential (``"ghp_ab" + "cd…"``) are hidden with it. Every
detector takes time linear in the text: regexes are anchored on rare words or bounded, and
context is checked by bisection or in bounded windows, never by scanning back to a line start.
"""

from __future__ import annotations

import bisect
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from vulnhound.errors import RuleError
from vulnhound.findings import Confidence, Severity

_DATA = "secrets.toml"
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# Quoted (or assigned) run of token characters: the generic high-entropy candidates.
# _entropy_candidates finds exactly this regex's matches, several times faster.
_ENTROPY_CANDIDATE = re.compile(
    r"""(?:(?<=["'`])|(?<=[=:]\s)|(?<=[=:]))(?P<value>[A-Za-z0-9+/_-]{16,}={0,2})(?=["'`\s,;)\]}]|$)""",
    re.MULTILINE,
)
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}")
_QUOTES = frozenset("\"'`")
_ASSIGN = frozenset("=:")
_CLOSERS = frozenset("\"'`,;)]}")


def _token_runs(text: str) -> list[tuple[int, int]]:
    """Spans of the maximal runs of 16 or more token characters (``_TOKEN_RUN``)."""
    return [m.span() for m in _TOKEN_RUN.finditer(text)]


def _entropy_candidates(text: str, runs: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Spans of ``_ENTROPY_CANDIDATE``'s matches, found from maximal runs of token characters.

    A match starts where the run starts (its look-behinds need a character outside the run
    before it) and takes the whole run, then as many of up to two "=" as leave a closer or
    the end of the text next; shorter runs would leave a run character next, never a closer.
    ``runs``: the text's ``_token_runs``, when already known.
    """
    spans: list[tuple[int, int]] = []
    size = len(text)
    for start, end in _token_runs(text) if runs is None else runs:
        if start == 0:
            continue
        before = text[start - 1]
        if not (
            before in _QUOTES
            or before in _ASSIGN
            or (start >= 2 and before.isspace() and text[start - 2] in _ASSIGN)
        ):
            continue
        padding = 0
        while padding < 2 and end + padding < size and text[end + padding] == "=":
            padding += 1
        for cut in range(end + padding, end - 1, -1):
            if cut == size or text[cut] in _CLOSERS or text[cut].isspace():
                spans.append((start, cut))
                break
    return spans


_HASH_CONTEXT = re.compile(r"(?i)(?:sha\d*|md5|integrity|checksum|digest|hash|commit|etag)\W{0,3}$")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$-")
# Capitalised or lower-case runs of 4+ letters: the words that identifiers are made of.
_WORD_RUN = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{4,}")
_PLAIN_WORD = re.compile(r"^[A-Za-z_]+$")
_HEX = re.compile(r"^[0-9a-fA-F-]+$")
_DIGEST_PREFIX = re.compile(r"(?i)^(?:sha\d*|md5|blake2[bs]?)[-:]")
# Unquoted values that are code or data, not credentials: a.b.c, f(x), x[0], numbers.
_EXPRESSION = re.compile(
    r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*|.*[()\[\]{}<>,].*", re.DOTALL
)
_DOTTED_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|0[xX][0-9a-fA-F]+)")
_PASSWORD_WORD = re.compile(r"(?i)pass|pwd|(?<![a-z])pw(?![a-z])")
_CODE_PUNCTUATION = re.compile(r"[()\[\]{}<>,;]")  # x[0];  f(a, b)
_TYPE_NAMES = frozenset(
    {"str", "bytes", "int", "float", "bool", "dict", "list", "tuple", "set", "object", "any"}
)
_IDENTIFIER_SNAKE = re.compile(r"[A-Za-z_][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")
# A bare word on a configuration-shaped line (INI "password = hunter", .env "PW=hunter2").
_CONFIG_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,63}")
# Bare words that are code on an assignment line, not a password.
_CODE_WORDS = frozenset(
    {"self", "this", "cls", "args", "kwargs", "input", "getpass", "value", "default", "config", "settings"}
)
# Character classes a detector may require of its values (``classes`` in the data).
_CLASS_NAMES = frozenset({"lower", "upper", "alpha", "digit", "symbol"})
# What may separate concatenated string literals: blanks, a backslash-newline, a newline
# (with the line-number prefix of the prompt form after it), then '+' (most languages),
# '.' (PHP) or nothing (adjacent literals), then the same blanks, then the literal.
_GAP = r"(?:[ \t]|\\?\r?\n(?:[ \t]*\d+ \|)?)*+"
_CONTINUATION = re.compile(
    rf"(?P<before>{_GAP})(?P<op>\+|\.|)(?P<after>{_GAP})[rbuRBU]{{0,2}}"
    r"""(?:"(?P<dq>[^"\n]{1,256})"|'(?P<sq>[^'\n]{1,256})')"""
)
_MAX_PIECES = 32


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """One detected secret: ``text[start:end]`` is the secret value itself."""

    kind: str
    rule_id: str
    start: int
    end: int
    value: str
    name: str
    confidence: Confidence
    severity: Severity
    prefix: int = 0  # leading characters that are public (AKIA, ghp_), shown when masking
    report: bool = True  # False: hidden from models, but too noisy to report (content hashes)

    def masked(self) -> str:
        """A form safe to print: never any secret character beyond the public prefix."""
        if self.kind == "private-key":
            header = self.value.split("-----")[1] if self.value.count("-----") >= 2 else "PRIVATE KEY"
            return f"-----{header}----- block"
        shown = self.value[: self.prefix] if self.prefix < len(self.value) else ""
        return f"{shown}{'*' * 8} ({len(self.value)} characters)"


@dataclass(frozen=True)
class _Detector:
    kind: str
    rule_id: str
    regex: re.Pattern[str]
    groups: tuple[str, ...]
    name_group: str
    confidence: Confidence
    severity: Severity
    prefix: int
    check_value: bool
    check_name: bool
    min_length: int
    mixed_value: bool
    extend_name: bool
    requires: tuple[str, ...]
    anchored: bool = False  # every match starts with one of ``requires``
    languages: frozenset[str] = frozenset()  # empty: every language
    line_anchored: bool = False  # every match is one line, from its start, holding a ``requires`` word
    unquoted: bool = False  # the value is unquoted text (configuration files)
    strict_unknown: bool = True  # unquoted values of unknown-language text must look random
    report: bool = True  # False: for redaction only
    classes: tuple[frozenset[str], ...] = ()  # each: one of these character classes must occur
    not_identifier: str = ""  # "without-digits" / "any": skip values that are such a (dotted) name
    continuation: bool = False  # literals concatenated after the matched one are secret too
    not_after: re.Pattern[str] | None = None  # skip values this regex finds just before
    after: re.Pattern[str] | None = None  # must match the text ending where the match (its name) starts
    after_window: int = 256  # how far back ``after`` may reach
    near: re.Pattern[str] | None = None  # a match of it must end shortly before, on the same line
    near_distance: int = 200
    prefilter: tuple[str, ...] = ()  # the text must also hold one of these (when ``requires`` anchor)
    # Every match lies in a run of token characters (an anchored one starts there, with its word).
    token: bool = False


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTER_ANY_CASE = re.compile(r"(?i)[a-z]")


def offsets_agree(text: str, lowered: str) -> bool:
    """True when ``lowered`` (``text.lower()``) finds exactly where case-insensitive regexes
    match ASCII words: same length (one character each), and no non-ASCII character of
    ``text`` that a case-insensitive regex takes for an ASCII letter (the Kelvin sign, long s).
    """
    if text.isascii():
        return True
    if len(text) != len(lowered):
        return False
    return not any(_ASCII_LETTER_ANY_CASE.match(c) for c in set(_NON_ASCII.findall(text)))


def _anchored_matches(
    detector: _Detector,
    text: str,
    lowered: str,
    aligned: bool | None = None,
    words: tuple[str, ...] | None = None,
) -> Iterator[re.Match[str]]:
    """``detector.regex.finditer(text)``, trying only where a match may start.

    An anchored detector's matches start with one of its ``requires`` words, so the leftmost
    match from a position is the first of those occurrences where the regex matches. They
    are found in ``lowered`` where its offsets agree with ``text`` (``aligned``, computed
    when not given); otherwise a case-insensitive look-ahead finds them in ``text`` itself.
    ``words``: those of the ``requires`` words that the text holds, when already known.
    """
    words = detector.requires if words is None else words
    starts: set[int] = set()
    if aligned if aligned is not None else offsets_agree(text, lowered):
        for word in words:
            at = lowered.find(word)
            while at >= 0:
                starts.add(at)
                at = lowered.find(word, at + 1)
    else:
        starts.update(m.start() for m in _starts_regex(words).finditer(text))
    position = 0
    for start in sorted(starts):
        if start < position:
            continue
        match = detector.regex.match(text, start)
        if match is not None:
            yield match
            position = match.end()


def _line_anchored_matches(
    detector: _Detector, text: str, lowered: str, aligned: bool
) -> Iterator[re.Match[str]]:
    """``detector.regex.finditer(text)`` for a line-anchored detector, trying only line starts.

    Its matches start at a line start and end on that line, which holds one of its
    ``requires`` words, so only the lines holding one need trying (found in ``lowered``
    when its offsets agree with ``text``; otherwise every line is tried by the regex).
    """
    if not aligned:
        yield from detector.regex.finditer(text)
        return
    starts: set[int] = set()
    for word in detector.requires:
        at = lowered.find(word)
        while at >= 0:
            starts.add(lowered.rfind("\n", 0, at) + 1)
            line_end = lowered.find("\n", at)
            if line_end < 0:
                break
            at = lowered.find(word, line_end)
    for start in sorted(starts):
        match = detector.regex.match(text, start)
        if match is not None:
            yield match


@lru_cache(maxsize=64)
def _starts_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("(?i)(?=" + "|".join(re.escape(w) for w in words) + ")")


@dataclass(frozen=True)
class _Entropy:
    kind: str
    rule_id: str
    min_length: int
    max_length: int
    ratio: float
    confidence: Confidence
    severity: Severity


def shannon_entropy(value: str) -> float:
    """Bits per character of the string's own character distribution."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _mixed(value: str) -> bool:
    return (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def _unquoted_value_ok(value: str, name: str, op: str, strict: bool, config_line: bool = False) -> bool:
    """An unquoted configuration value that may be a credential.

    Numbers are credentials only for password names (``max_tokens: 4096`` is not), and shell
    command substitutions (``$(cat file)``) read one. ``strict`` (text of unknown language,
    where ``password = other_name`` is code): the value must also be random-looking, at least
    8 characters of letters with digits or symbols, and not an expression (``self.pw``,
    ``get()``, ``x[0]``) or a snake_case name; or a lower-case word after a colon, which in
    code could only be an annotation (``password: str``), so one naming no builtin type; or
    a bare word given to a password name on a ``config_line`` (not indented, a YAML list item,
    ``export``/``ENV``): code assigning a variable to a password sits in a function body.
    """
    if _NUMBER.fullmatch(value):
        return bool(_PASSWORD_WORD.search(name))
    if "$(" in value:
        return False
    if not strict:
        return True
    if op == ":" and value.isalpha() and value.islower() and value not in _TYPE_NAMES:
        return True  # YAML "password: hunter"
    if (
        config_line
        and _PASSWORD_WORD.search(name)
        and _CONFIG_WORD.fullmatch(value)
        and value.lower() not in _CODE_WORDS
    ):
        return True  # INI "password = hunter", .env "DB_PASSWORD=hunter2"
    if (
        len(value) < 8
        or _CODE_PUNCTUATION.search(value)
        or (_EXPRESSION.fullmatch(value) and not _mixed(value))
    ):
        return False
    if _IDENTIFIER_SNAKE.fullmatch(value) or value.startswith("/") or "://" in value:
        return False
    return any(c.isalpha() for c in value) and (any(c.isdigit() for c in value) or not value.isalnum())


def _classes(value: str) -> frozenset[str]:
    present: set[str] = set()
    for c in value:
        if c.isalpha():
            present.add("alpha")
            present.add("lower" if c.islower() else "upper")
        elif c.isdigit():
            present.add("digit")
        elif not c.isspace():
            present.add("symbol")
    return frozenset(present)


def _continuations(text: str, end: int, in_parentheses: bool) -> list[tuple[int, int]]:
    """Contents of the string literals concatenated after the one closing just before ``end``.

    ``"ghp_ab" + "cd…"``, PHP ``'a' . 'b'``, adjacent ``"a" "b"`` on one line, after a
    backslash-newline, or over lines ``in_parentheses``. At most ``_MAX_PIECES`` of them.
    """
    pieces: list[tuple[int, int]] = []
    position = end
    while len(pieces) < _MAX_PIECES:
        match = _CONTINUATION.match(text, position)
        if match is None:
            break
        if not match.group("op") and not in_parentheses:
            gap = match.group("before").replace("\\\r\n", "").replace("\\\n", "")
            if "\n" in gap:
                break  # a new statement, not an implicit concatenation
        group = "dq" if match.group("dq") is not None else "sq"
        pieces.append(match.span(group))
        position = match.end()
    return pieces


def _extend_left(text: str, start: int) -> str:
    """The identifier characters just before ``start`` (``my_db_`` of ``my_db_password``)."""
    begin = start
    while begin > 0 and text[begin - 1] in _NAME_CHARS and start - begin < 128:
        begin -= 1
    return text[begin:start]


def _alphabet_size(value: str) -> int:
    size = 0
    if any(c.islower() for c in value):
        size += 26
    if any(c.isupper() for c in value):
        size += 26
    if any(c.isdigit() for c in value):
        size += 10
    if any(c in "+/_-=" for c in value):
        size += 4
    return max(size, 2)


class SecretDetector:
    """Finds secrets in text. Build with :meth:`default` (cached) or :meth:`from_toml`."""

    def __init__(self, doc: dict[str, Any], origin: str) -> None:
        self.origin = origin
        try:
            self._detectors = tuple(self._detector(t) for t in doc.get("secret", []))
            entropy = doc["entropy"]
            self._entropy = _Entropy(
                kind=str(entropy["kind"]),
                rule_id=str(entropy["rule"]),
                min_length=int(entropy["min_length"]),
                max_length=int(entropy["max_length"]),
                ratio=float(entropy["ratio"]),
                confidence=Confidence(entropy["confidence"]),
                severity=Severity(entropy["severity"]),
            )
            placeholders = doc["placeholders"]
            self._placeholder_exact = frozenset(str(v).lower() for v in placeholders["exact"])
            self._placeholder_regex = tuple(re.compile(r) for r in placeholders["regex"])
            # One search instead of one per expression (each is checked on its own above).
            self._placeholder_any = re.compile("|".join(f"(?:{r.pattern})" for r in self._placeholder_regex))
            self._name_suffixes = frozenset(str(v).lower() for v in placeholders["name_suffixes"])
            examples = doc.get("examples", {})
            self._example_values = frozenset(str(v).lower() for v in examples.get("values", ()))
            prefixes = "|".join(re.escape(str(v)) for v in examples.get("prefixes", ()))
            self._example_prefix = re.compile(rf"(?i)^(?:{prefixes})[_.-]") if prefixes else None
            self._example_words = tuple(str(v).lower() for v in examples.get("words", ()))
            self._example_users = frozenset(str(v).lower() for v in examples.get("users", ()))
            self._example_runs = tuple(str(v).lower() for v in examples.get("runs", ()))
            instructions = "|".join(re.escape(str(v)) for v in examples.get("instruction_prefixes", ()))
            self._instruction_prefix = (
                re.compile(rf"(?i)^<?(?:{instructions})[_.-]") if instructions else None
            )
            self._instruction_words = tuple(str(v).lower() for v in examples.get("instruction_words", ()))
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise RuleError(f"{origin}: malformed secret detector table: {exc}") from exc

    @staticmethod
    def _detector(table: dict[str, Any]) -> _Detector:
        flags = (
            (re.IGNORECASE if table.get("ignore_case") else 0)
            | (re.DOTALL if table.get("dotall") else 0)
            | (re.MULTILINE if table.get("multiline") else 0)
        )
        group = str(table.get("group", ""))
        return _Detector(
            kind=str(table["kind"]),
            rule_id=str(table["rule"]),
            regex=re.compile(table["regex"], flags),
            groups=tuple(g for g in group.split("|") if g),
            name_group=str(table.get("name_group", "")),
            confidence=Confidence(table.get("confidence", "medium")),
            severity=Severity(table.get("severity", "high")),
            prefix=int(table.get("prefix", 0)),
            check_value=bool(table.get("check_value", False)),
            check_name=bool(table.get("check_name", False)),
            min_length=int(table.get("min_length", 1)),
            mixed_value=bool(table.get("mixed_value", False)),
            extend_name=bool(table.get("extend_name", False)),
            requires=tuple(str(w).lower() for w in table.get("requires", ())),
            anchored=bool(table.get("anchored", False)) and bool(table.get("requires")),
            languages=frozenset(str(v) for v in table.get("languages", ())),
            line_anchored=bool(table.get("line_anchored", False)) and bool(table.get("requires")),
            unquoted=bool(table.get("unquoted", False)),
            strict_unknown=bool(table.get("strict_unknown", True)),
            report=bool(table.get("report", True)),
            classes=tuple(SecretDetector._class_set(str(v)) for v in table.get("classes", ())),
            not_identifier=SecretDetector._choice(table, "not_identifier", ("", "without-digits", "any")),
            continuation=bool(table.get("continuation", False)),
            not_after=re.compile(table["not_after"]) if "not_after" in table else None,
            after=re.compile(table["after"]) if "after" in table else None,
            after_window=int(table.get("after_window", 256)),
            near=re.compile(table["near"]) if "near" in table else None,
            near_distance=int(table.get("near_distance", 200)),
            prefilter=tuple(str(w).lower() for w in table.get("filter", ())),
            token=bool(table.get("token", False)),
        )

    @staticmethod
    def _choice(table: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
        value = str(table.get(key, choices[0]))
        if value not in choices:
            raise ValueError(f"{key} must be one of {choices}, not {value!r}")
        return value

    @staticmethod
    def _class_set(spec: str) -> frozenset[str]:
        names = frozenset(spec.split("|"))
        if not names <= _CLASS_NAMES:
            raise ValueError(f"unknown character class in {spec!r}")
        return names

    @classmethod
    def from_toml(cls, text: str, origin: str) -> SecretDetector:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"{origin}: invalid TOML: {exc}") from exc
        return cls(doc, origin)

    @staticmethod
    def default() -> SecretDetector:
        return _default_detector()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*(d.rule_id for d in self._detectors), self._entropy.rule_id]))

    def is_placeholder(self, value: str) -> bool:
        stripped = value.strip()
        if stripped.lower() in self._placeholder_exact:
            return True
        return self._placeholder_any.search(stripped) is not None

    def is_example(self, value: str) -> bool:
        """A documentation or test value (``tiger``, ``fake-key``, ``...EXAMPLE``, ``12345678``).

        For reporting only: the ``[examples]`` table of the detector data. Redaction never
        asks, so example values are still hidden from models.
        """
        lowered = value.strip().lower()
        if lowered in self._example_values or self.is_instruction(value):
            return True
        if self._example_prefix is not None and self._example_prefix.match(lowered):
            return True
        if any(word in lowered for word in self._example_words):
            return True
        # aaaa, abab, 1234, qwerty: counting or typing, not randomness
        return len(lowered) >= 4 and (
            len(set(lowered)) <= 2 or any(lowered in run for run in self._example_runs)
        )

    def is_instruction(self, value: str) -> bool:
        """A value telling the reader what to write (``your_client_secret``, ``replace-me``)."""
        if self.is_placeholder(value):
            return True
        lowered = value.strip().lower()
        if self._instruction_prefix is not None and self._instruction_prefix.match(lowered):
            return True
        return any(word in lowered for word in self._instruction_words)

    def is_example_user(self, user: str) -> bool:
        """An account name of documentation examples (``scott`` of ``scott:tiger``)."""
        return user.strip().lower() in self._example_users

    def _name_is_benign(self, name: str) -> bool:
        words = _WORDS.findall(name.rsplit(".", 1)[-1])
        return bool(words) and words[-1].lower() in self._name_suffixes

    def _value_ok(
        self, detector: _Detector, value: str, name: str, match: re.Match[str], language: str | None
    ) -> bool:
        if len(value) < detector.min_length:
            return False
        groups = match.groupdict()
        if detector.unquoted and not _unquoted_value_ok(
            value,
            name,
            groups.get("op") or "",
            strict=language is None and detector.strict_unknown,
            config_line=bool(groups.get("item") or groups.get("keyword"))
            or (groups.get("indent") == "" and not groups.get("comment")),
        ):
            return False
        if detector.classes:
            present = _classes(value)
            if not all(present & wanted for wanted in detector.classes):
                return False
        if (
            detector.not_identifier
            and _DOTTED_NAME.fullmatch(value)
            and (detector.not_identifier == "any" or not any(c.isdigit() for c in value))
        ):
            return False
        if "r" in (groups.get("strprefix") or "").lower():
            return False  # a raw string: a regular expression, not a credential
        if groups.get("op") == "==" and _PLAIN_WORD.match(value):
            return False  # token == "with": parsing code comparing with a keyword
        if detector.mixed_value and not _mixed(value):
            return False
        if detector.check_name and name and self._name_is_benign(name):
            return False
        if detector.check_value:
            if self.is_placeholder(value):
                return False
            # Prose ("Enter your password"), paths and URLs are not credentials themselves.
            if (
                detector.groups
                and detector.name_group
                and (any(c.isspace() for c in value) or value.startswith("/") or "://" in value)
            ):
                return False
        return True

    def find_all(
        self, text: str, language: str | None = None, *, reported: bool = False
    ) -> list[SecretMatch]:
        """Every match of every detector, overlapping ones included (redaction needs all).

        ``language`` is the file's language when known (the analyzer); ``None`` for text of
        unknown origin (payloads being redacted), where configuration-file detectors run with
        stricter values rather than not at all. ``reported``: skip the detectors whose matches
        are never reported (what :meth:`find` needs, at less cost).
        """
        found: list[SecretMatch] = []
        lowered = text.lower()
        aligned: bool | None = None  # offsets_agree(text, lowered), computed when first needed
        runs = _token_runs(text)
        # Where ``token`` detectors look for their words: a small part of most texts.
        in_runs = "\n".join(text[a:b] for a, b in runs).lower()
        for detector in self._detectors:
            if detector.languages and language is not None and language not in detector.languages:
                continue
            if reported and not detector.report:
                continue
            if detector.prefilter and not any(w in lowered for w in detector.prefilter):
                continue
            haystack = in_runs if detector.token else lowered
            if detector.anchored:
                # Each word is searched once: the words found are where matches may start.
                words = tuple(w for w in detector.requires if w in haystack)
                if not words:
                    continue
            elif detector.requires and not any(w in haystack for w in detector.requires):
                continue
            if (detector.anchored or detector.line_anchored) and aligned is None:
                aligned = offsets_agree(text, lowered)
            if detector.anchored:
                matches = _anchored_matches(detector, text, lowered, aligned, words)
            elif detector.line_anchored and aligned is not None:
                matches = _line_anchored_matches(detector, text, lowered, aligned)
            elif detector.token:
                matches = (m for a, b in runs for m in detector.regex.finditer(text, a, b))
            else:
                matches = detector.regex.finditer(text)
            near_ends: list[int] | None = None  # ends of the ``near`` regex's matches, found on first use
            for match in matches:
                group = next((g for g in detector.groups if match.group(g) is not None), None)
                if detector.groups and group is None:
                    continue
                start, end = match.span(group) if group else match.span()
                value = text[start:end]
                name = match.group(detector.name_group) if detector.name_group else ""
                begin = match.start()  # where the match, with its name extended, starts
                if name and detector.extend_name:
                    extension = _extend_left(text, match.start(detector.name_group))
                    name = extension + name
                    begin = min(begin, match.start(detector.name_group) - len(extension))
                if not value:
                    continue
                if detector.after is not None and not detector.after.search(
                    text, max(0, begin - detector.after_window), begin
                ):
                    continue
                if detector.near is not None:
                    if near_ends is None:
                        near_ends = [m.end() for m in detector.near.finditer(text)]
                    if not _near(text, near_ends, begin, detector.near_distance):
                        continue
                pieces = (
                    _continuations(text, match.end(), bool(match.groupdict().get("paren")))
                    if detector.continuation
                    else []
                )
                alone = self._value_ok(detector, value, name or "", match, language)
                if not alone and not (
                    pieces
                    and self._value_ok(
                        detector, value + "".join(text[a:b] for a, b in pieces), name or "", match, language
                    )
                ):
                    continue
                if detector.not_after is not None and detector.not_after.search(_before(text, start)):
                    continue
                for piece_start, piece_end, report in [
                    (start, end, alone),
                    *((a, b, False) for a, b in pieces),
                ]:
                    found.append(
                        SecretMatch(
                            kind=detector.kind,
                            rule_id=detector.rule_id,
                            start=piece_start,
                            end=piece_end,
                            value=text[piece_start:piece_end],
                            name=name or "",
                            confidence=detector.confidence,
                            severity=detector.severity,
                            prefix=detector.prefix if piece_start == start else 0,
                            report=detector.report and report,
                        )
                    )
        found.extend(self._high_entropy(text, [m for m in found if m.report], runs))
        # One match per span: the first reportable one, in the order of the detector data.
        found.sort(key=lambda m: (m.start, -m.end, not m.report))
        return [
            m
            for i, m in enumerate(found)
            if i == 0 or (m.start, m.end) != (found[i - 1].start, found[i - 1].end)
        ]

    def find(self, text: str, language: str | None = None) -> list[SecretMatch]:
        """Non-overlapping reportable matches: the earliest, then longest, wins a region.

        Matches of report-free detectors (``report = false``) are left out: they are for
        redaction, which takes :meth:`find_all`.
        """
        chosen: list[SecretMatch] = []
        for match in self.find_all(text, language, reported=True):
            if not match.report or (chosen and match.start < chosen[-1].end):
                continue
            chosen.append(match)
        return chosen

    def _high_entropy(
        self, text: str, specific: list[SecretMatch], runs: list[tuple[int, int]]
    ) -> list[SecretMatch]:
        spec = self._entropy
        covered = Intervals((m.start, m.end) for m in specific)
        found: list[SecretMatch] = []
        for start, end in _entropy_candidates(text, runs):
            value = text[start:end]
            if not spec.min_length <= len(value) <= spec.max_length:
                continue
            if covered.overlaps(start, end):
                continue
            if not self._looks_random(value):
                continue
            if _HASH_CONTEXT.search(_before(text, start)):
                continue
            found.append(
                SecretMatch(
                    kind=spec.kind,
                    rule_id=spec.rule_id,
                    start=start,
                    end=end,
                    value=value,
                    name="",
                    confidence=spec.confidence,
                    severity=spec.severity,
                )
            )
        return found

    def _looks_random(self, value: str) -> bool:
        """Mixed case and digits, high entropy for its length and alphabet, not hex or a UUID.

        Pure hex is left out on purpose: commit ids, lockfile and content hashes are hex and
        not secrets; hex keys assigned to secret-looking names are caught by the assignment
        detector instead.
        """
        if _HEX.match(value) or _DIGEST_PREFIX.match(value) or self.is_placeholder(value):
            return False
        core = value.rstrip("=")
        if not _mixed(core):
            return False
        if sum(len(w) for w in _WORD_RUN.findall(core)) > len(core) // 2:
            return False  # mostly words: an identifier or a name, not random
        if core.count("_") + core.count("-") > len(core) // 6:  # snake_case / kebab identifiers
            return False
        ceiling = math.log2(min(len(core), _alphabet_size(core)))
        return shannon_entropy(core) >= self._entropy.ratio * ceiling


def _near(text: str, ends: list[int], begin: int, distance: int) -> bool:
    """Whether one of ``ends`` is at most ``distance`` before ``begin``, with no line break
    between them but backslash-continued ones (a command and its options)."""
    index = bisect.bisect_right(ends, begin) - 1
    if index < 0 or begin - ends[index] > distance:
        return False
    end = ends[index]
    continued = text.count("\\\n", end, begin) + text.count("\\\r\n", end, begin)
    return text.count("\n", end, begin) == continued


def _before(text: str, start: int, width: int = 24) -> str:
    """Up to ``width`` characters before ``start`` on its line (bounded: no scan to the line start)."""
    begin = max(0, start - width)
    newline = text.rfind("\n", begin, start)
    return text[newline + 1 if newline >= 0 else begin : start]


class Intervals:
    """Union of spans, answering "does [start, end) overlap any?" by bisection."""

    def __init__(self, spans: Iterator[tuple[int, int]] | list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self.starts = [s for s, _ in merged]  # sorted, disjoint
        self.ends = [e for _, e in merged]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.starts, end) - 1  # the last span starting before ``end``
        return index >= 0 and self.ends[index] > start


@lru_cache(maxsize=1)
def _default_detector() -> SecretDetector:
    text = resources.files("vulnhound.rules").joinpath("data", _DATA).read_text(encoding="utf-8")
    return SecretDetector.from_toml(text, f"vulnhound/rules/data/{_DATA}")
