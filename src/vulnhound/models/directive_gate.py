"""The gate of the ``ai-directives`` detector: which lines of a text are worth reading.

A file's folded text is split into its set of distinct words at C speed (``bytes.translate``
and ``split``). Each lexicon term has mandatory words (:func:`~vulnhound.models.lexicon.
gate_positions`); a term whose every mandatory word is in the set is searched for, rarest word
first, by literal searches, and only the lines holding all its words are kept. Words that
unleet or rot13-read to lexicon words, long letter-and-digit runs that decode to text, escapes
and entities of letters, and spaced-out letters mark lines too (:class:`Marks`: flags per
line, and where). The detector (:mod:`vulnhound.models.directives`) reads only marked lines.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import cache
from itertools import filterfalse

from vulnhound.errors import RuleError
from vulnhound.models import normalize
from vulnhound.models.lexicon import (
    HIT_CATEGORIES,
    LEXICON,
    START,
    WORD_CHAR_SET,
    GateWord,
    Lexicon,
    gate_positions,
    letters,
    no_spaces_regex,
    rarity,
)

# Line flags set by the gate.
FIRM = 1  # an addressee (ai, reviewer) or a firm intent (override, order, claim, command, ...)
DISMISS = 2  # a weak verdict word
AGENT = 4  # an agent noun ("model", "tool")
LEET = 8
ROT13 = 16
ENCODED = 32
SPACED = 64
FORMS = LEET | ROT13 | ENCODED | SPACED
_CATEGORY_FLAG = {"dismiss": DISMISS, "agent": AGENT}

MAX_MARKS = 32  # offsets remembered per line, for reading long lines in pieces
MAX_RUNS = 4096  # long letter-and-digit runs looked at per file


def worth_judging(flags: int) -> bool:
    """Whether words with these flags can make a directive: an addressee or firm intent, or
    an agent noun with a weak verdict word ("Hey model, this is safe")."""
    return bool(flags & FIRM) or (flags & (AGENT | DISMISS)) == AGENT | DISMISS


def line_end(view: str, at: int, more: int) -> int:
    """The end of the line holding ``at``, or of the ``more``-th line after it."""
    end = view.find("\n", at)
    while end >= 0 and more > 0:
        end = view.find("\n", end + 1)
        more -= 1
    return len(view) if end < 0 else end


_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
# Signs of embedded encodings, each starting with a literal (fast to search for).
_ENCODING_SIGNS = (
    # \x escapes of ASCII letters, or of two or more UTF-8 bytes (a non-ASCII character).
    ("\\", re.compile(r"\\x(?:[4-7][0-9a-f]|[89a-f][0-9a-f]\\x[89a-f][0-9a-f])")),
    # \u escapes of letters: Latin, Greek, Cyrillic, kana, CJK, hangul, fullwidth.
    (
        "\\",
        re.compile(
            r"\\u\{?(?:00[4-7][0-9a-f]|00[c-f][0-9a-f]|0[1-5][0-9a-f]{2}|3[0-9a-f]{3}|[4-9][0-9a-f]{3}|[a-d][0-9a-f]{3}|ff[0-9a-f]{2})"
        ),
    ),
    # a %-escape of an ASCII letter next to letters ("%69gnore"; not "%5d"), or two close together.
    ("%", re.compile(r"%(?:[4-7][0-9a-f](?=[a-z%])|[0-9a-f]{2}[^%\n]{0,16}%[0-9a-f]{2})")),
    ("&#", re.compile(r"&#x?[0-9a-f]{2,6};")),
)
# Words as the gate splits them: ASCII letters and digits and every non-ASCII byte; anything
# else separates words ("@copilot" holds "copilot"; leetspeak with "@" or "$" is read on lines
# marked for other reasons).
_KEEP = b"abcdefghijklmnopqrstuvwxyz0123456789"
_TOKEN_TABLE = bytes(
    (c + 32 if 0x41 <= c <= 0x5A else (c if c in _KEEP or c >= 0x80 else 0x20)) for c in range(256)
)
# Spaced-out letters, seen cheaply: letters (one byte per character) become "a", separators
# a space, anything else (digits too) "#"; four single letters in a row mark a line.
_SEPARATORS = b" .*-/|~+:"
_SHAPE_TABLE = bytes(
    (0x61 if (chr(c).isalpha() and c < 0x80) or c >= 0xC0 else (0x20 if c in _SEPARATORS else 0x23))
    for c in range(256)
)
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_SHAPE = b"a a a a"  # four single letters, one separator between each
_LEET_BYTES = bytes.maketrans("".join(normalize.LEET).encode(), "".join(normalize.LEET.values()).encode())
_NOT_LETTERS = bytes(c for c in range(256) if not (0x61 <= c <= 0x7A))
_DIGITS = b"0123456789"
# A long run of letters and digits (base64 or hex), in a view.
_LONG_RUN = re.compile(r"[0-9a-z+/]{16,}=*")
_BASE64_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz+/")


# --- finding gate words in a view -----------------------------------------------------------


class Locator:
    """Where a gate word is in a view: as a whole word, a prefix or a substring (CJK, or a run
    of encoded text). Whole words and prefixes of Latin, Greek and Cyrillic need no word
    character before them (whole words none after either).

    Found by a literal search that checks ASCII neighbours (its regex needs no character
    class beyond Latin-1, which would be slow to compile); non-ASCII neighbours are checked
    here."""

    __slots__ = ("left", "pattern", "right", "size")

    def __init__(self, word: str, kind: str) -> None:
        literal = re.escape(word)
        self.size = len(word)
        self.left = kind != "substring" and word[:1] in WORD_CHAR_SET
        self.right = self.left and kind != "prefix"
        self.pattern = re.compile(
            literal
            + (f"(?<![0-9a-z_]{literal})" if self.left else "")
            + ("(?![0-9a-z_])" if self.right else "")
        )

    def _fits(self, view: str, at: int, end: int) -> bool:
        if self.left and at > 0 and view[at - 1] >= "\x80" and view[at - 1] in WORD_CHAR_SET:
            return False
        after = at + self.size
        return not (self.right and after < end and view[after] >= "\x80" and view[after] in WORD_CHAR_SET)

    def first(self, view: str, start: int, end: int) -> int | None:
        """The offset of the first occurrence in ``view[start:end]``, or None."""
        search = self.pattern.search
        match = search(view, start, end)
        while match is not None and not self._fits(view, match.start(), end):
            match = search(view, match.start() + 1, end)
        return None if match is None else match.start()

    def every(self, view: str) -> list[int]:
        """The offsets of its occurrences, as ``re.finditer`` would find them."""
        if not self.left or view.isascii():
            return [m.start() for m in self.pattern.finditer(view)]
        found: list[int] = []
        end = len(view)
        position = 0
        while True:
            for match in self.pattern.finditer(view, position):
                at = match.start()
                if not self._fits(view, at, end):
                    position = at + 1  # a regex with the boundaries would try the next one
                    break
                found.append(at)
            else:
                return found


class Marks:
    """What the gate saw in a view (lines end at "\n"): flags per line, and where."""

    def __init__(self, view: str, common: frozenset[str] = frozenset()) -> None:
        self.view = view
        self.common = common
        self.flags: dict[int, int] = {}
        self.offsets: dict[int, list[int]] = {}
        self._found: dict[Locator | re.Pattern[str], list[tuple[int, int]]] = {}

    def found(self, finder: Locator | re.Pattern[str]) -> list[tuple[int, int]]:
        """(line, offset) of each occurrence of what ``finder`` finds."""
        known = self._found.get(finder)
        if known is None:
            known = []
            line = position = 0
            count = self.view.count
            if isinstance(finder, Locator):
                offsets = finder.every(self.view)
            else:
                offsets = [m.start() for m in finder.finditer(self.view)]
            for at in offsets:
                line += count("\n", position, at)
                position = at
                known.append((line, at))
            self._found[finder] = known
        return known

    def flag(self, line: int, flag: int, at: int | None = None) -> None:
        self.flags[line] = self.flags.get(line, 0) | flag
        if at is not None:
            offsets = self.offsets.setdefault(line, [])
            if len(offsets) < MAX_MARKS:
                offsets.append(at)

    def add(self, finder: Locator | re.Pattern[str], flag: int) -> None:
        for line, at in self.found(finder):
            self.flag(line, flag, at)

    def add_term(
        self,
        present: Sequence[Sequence[GateWord]],
        flag: int,
        locator: _Locators,
        only: Sequence[int] | None = None,
    ) -> None:
        """Flag the lines holding a gate word of every position of a term: the rarest position
        is searched in the whole view (or on the lines ``only``), the others only on the lines
        it was found on."""
        ordered = sorted(present, key=lambda position: rarity(position, self.common), reverse=True)
        lines: dict[int, list[int]] = {}
        if only is not None:
            lines = {n: [self.offsets[n][0]] for n in only if self.offsets.get(n)}
            ordered = [[], *ordered]
        else:
            for word, kind, _ in ordered[0]:
                for line, at in self.found(locator(word, kind)):
                    lines.setdefault(line, []).append(at)
        for position in ordered[1:]:
            finders = [locator(word, kind) for word, kind, _ in position]
            kept: dict[int, list[int]] = {}
            if len(lines) * len(finders) > 32:
                # Many lines to check: search the whole view (cached) and intersect.
                for finder in finders:
                    for line, at in self.found(finder):
                        if line in lines:
                            kept.setdefault(line, list(lines[line])).append(at)
            else:
                for line, offsets in lines.items():
                    start, end = self._line_of(offsets[0])
                    more = [o for f in finders if (o := f.first(self.view, start, end)) is not None]
                    if more:
                        kept[line] = offsets + more
            lines = kept
            if not lines:
                return
        for line, offsets in lines.items():
            for at in offsets[1:] if only is not None else offsets:
                self.flag(line, flag, at)
            if only is not None:
                self.flag(line, flag)

    def flag_offsets(self, offsets: Sequence[int], flag: int) -> None:
        """Flag the lines holding the (sorted) ``offsets``."""
        line = position = 0
        for at in offsets:
            line += self.view.count("\n", position, at)
            position = at
            self.flag(line, flag, at)

    def _line_of(self, at: int) -> tuple[int, int]:
        return self.view.rfind("\n", 0, at) + 1, line_end(self.view, at, 0)

    def any(self, flag: int) -> bool:
        return any(f & flag for f in self.flags.values())

    def span(self, line: int) -> tuple[int, int]:
        """Start and end of a line in the view."""
        offsets = self.offsets.get(line)
        if offsets:
            at = offsets[0]
            return self.view.rfind("\n", 0, at) + 1, line_end(self.view, at, 0)
        start = 0
        for _ in range(line):
            start = self.view.find("\n", start) + 1
            if start == 0:
                return len(self.view), len(self.view)
        return start, line_end(self.view, start, 0)


class _Locators:
    """The locators of gate words, made once per (word, kind)."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, str], Locator] = {}

    def __call__(self, word: str, kind: str) -> Locator:
        key = (word, kind)
        locator = self.made.get(key)
        if locator is None:
            if len(self.made) > 10_000:
                self.made.clear()
            locator = self.made[key] = Locator(word, kind)
        return locator


# --- the gate -------------------------------------------------------------------------------

# A position of a term, for checking a file's word set fast: exact words (word -> gate word),
# prefixes and literals (with the word set key a literal needs, b"" for CJK).
_Position = tuple[
    dict[bytes, GateWord], tuple[tuple[bytes, GateWord], ...], tuple[tuple[bytes, GateWord], ...]
]
_Passing = list[tuple[int, list[list[GateWord]]]]  # (flag, the gate words of each position found)


class Gate:
    """The gate's tables for a lexicon, and what they find in a text.

    A term needs each of its mandatory words on a line: a word is one of a few gate words (the
    longest piece of each spelling: a whole word, a prefix for "vulnerab*", a substring in
    CJK). Terms are indexed by their rarest (longest) mandatory word; rot13 forms of the gate
    words mark lines to read in rot13."""

    def __init__(self, lex: Lexicon) -> None:
        self.common = lex.common
        self.locator = _Locators()
        self.terms: list[tuple[int, tuple[frozenset[GateWord], ...]]] = []
        self.compiled: list[tuple[_Position, ...]] = []
        self.quick: list[tuple[frozenset[bytes], ...]] = []  # positions of whole words only
        # For the rarest and the second rarest position of each term:
        self.by_word: tuple[dict[bytes, list[int]], ...] = ({}, {})  # exact word -> terms
        # first bytes -> (prefix, term)
        self.by_prefix: tuple[dict[bytes, list[tuple[bytes, int]]], ...] = ({}, {})
        self.by_substring: tuple[dict[str, list[int]], ...] = ({}, {})
        self.single: set[int] = set()  # terms of one position
        self.rot13: set[bytes] = set()
        self.rot13_prefixes: dict[bytes, list[bytes]] = {}
        self.known: set[bytes] = set()  # every exact gate word, for leetspeak
        self.known_prefixes: dict[bytes, list[bytes]] = {}
        seen: set[str] = set()  # whole gate words indexed for leetspeak and rot13
        for category in HIT_CATEGORIES:
            flag = _CATEGORY_FLAG.get(category, FIRM)
            for term in lex.terms[category]:
                self._index(term, flag, lex.common, seen)
        self.rot13 -= self.known
        # Words of the vocatives that make an agent noun an addressee.
        self.call_words: set[bytes] = set()
        self.call_substrings: set[str] = set()
        for category in ("call", "after", "scope"):
            for term in lex.terms[category]:
                positions = gate_positions(term, lex.common)
                for position in sorted(positions, key=lambda p: rarity(p, lex.common))[-1:]:
                    for word, _, token in position:
                        if token:
                            self.call_words.add(token.encode("utf-8"))
                        else:
                            self.call_substrings.add(word)
        self._long_words: tuple[str, ...] | None = None

    def _index(self, term: str, flag: int, common: frozenset[str], seen: set[str]) -> None:
        positions = gate_positions(term, common)
        if not positions:
            raise RuleError(f"{LEXICON}: term {term!r} has no word the gate can look for")
        index = len(self.terms)
        self.terms.append((flag, positions))
        compiled = tuple(_compile_position(p) for p in positions)
        self.compiled.append(compiled)
        self.quick.append(tuple(frozenset(c[0]) for c in compiled if c[0] and not c[1] and not c[2]))
        # Indexed by its two rarest positions: a candidate must hold a word of each.
        keys = sorted(positions, key=lambda p: _rarity(p, common), reverse=True)[:2]
        if len(keys) == 1:
            self.single.add(index)
        for level, key in enumerate(keys):
            for word, kind, token in key:
                if not token:
                    self.by_substring[level].setdefault(word, []).append(index)
                elif kind == "prefix":
                    raw = token.encode("utf-8")
                    self.by_prefix[level].setdefault(raw[:START], []).append((raw, index))
                else:
                    self.by_word[level].setdefault(token.encode("utf-8"), []).append(index)
        for position in positions:
            for _, kind, token in position:
                if kind == "prefix":
                    raw = token.encode("utf-8")
                    self.known_prefixes.setdefault(raw[:3], []).append(raw)
                    if token.isascii():
                        rot = normalize.rot13(token).encode()
                        self.rot13_prefixes.setdefault(rot[:START], []).append(rot)
                elif kind == "word" and token not in seen:
                    seen.add(token)
                    self.known.add(token.encode("utf-8"))
                    if token.isascii() and letters(token) >= 4:
                        self.rot13.add(normalize.rot13(token).encode())

    def holds_known_word(self, run: str) -> bool:
        """Whether letters written together hold a gate word of four letters or more."""
        if self._long_words is None:
            self._long_words = tuple(
                sorted({w.decode("utf-8") for w in self.known if letters(w.decode("utf-8")) >= 4}, key=len)
            )
        folded = normalize.unleet(run)
        return any(w in run or w in folded for w in self._long_words)

    def flags(self, view: str) -> int:
        """The flags of the terms whose every word a folded text (a decoded line) holds."""
        _, _, _, passing = self.passing(view, view.encode("utf-8", "replace"))
        flags = 0
        for flag, _ in passing:
            flags |= flag
        return flags

    def mark(self, text: str, view: str, broad: bool) -> Marks:
        """The lines of ``view`` (the folded ``text``) worth examining, with what was seen on
        them and where."""
        data = view.encode("utf-8", "replace")
        words, starts, has_cjk, passing = self.passing(view, data)
        marks = Marks(view, self.common)
        locator = self.locator
        # Weak verdict words and agent nouns make a line worth reading only together
        # ("Hey model, this is safe"), unless the broad check reads lines around firmer words.
        kinds = {flag for flag, _ in passing}
        for flag, present in passing:
            if flag == FIRM or broad:
                marks.add_term(present, flag, locator)
        # An agent noun is spoken to only with a call ("hey", "dear", "note to", "へ"):
        # without a call word in the file, "model" and "safe" on one line are ordinary text.
        if not broad and {AGENT, DISMISS} <= kinds and self._may_call(words, view, has_cjk):
            for flag, present in passing:
                if flag == DISMISS:
                    marks.add_term(present, flag, locator)
            dismissed = [n for n, f in marks.flags.items() if f & DISMISS]
            if dismissed:
                for flag, present in passing:
                    if flag == AGENT:
                        marks.add_term(present, flag, locator, dismissed)
        # Leetspeak ("1gn0r3") and rot13 ("vtaber") forms of gate words, long encoded runs.
        encoded: list[bytes] = []
        for word in list(filterfalse(bytes.isdigit, filterfalse(bytes.isalpha, words))):
            if (
                len(word) >= 16
                and word.isascii()
                and word.translate(None, _DIGITS) != word
                and not word.isdigit()
            ):
                encoded.append(word)
            inner = word.rstrip(_DIGITS)  # "test1", "sha256": digits at the end are not leetspeak
            if inner.isascii() and len(inner.translate(None, _NOT_LETTERS)) >= 2 and not inner.isalpha():
                unleeted = word.translate(_LEET_BYTES)
                if unleeted in self.known or _known_prefix(self.known_prefixes, unleeted):
                    marks.add(locator(word.decode(), "substring"), LEET)
        if encoded:
            marks.flag_offsets(_encoded_runs(text, view, encoded), ENCODED)
        for word in words & self.rot13:
            marks.add(locator(word.decode(), "word"), ROT13)
        for start in starts & self.rot13_prefixes.keys():
            for prefix in self.rot13_prefixes[start]:
                marks.add(locator(prefix.decode(), "prefix"), ROT13)
        for first, sign in _ENCODING_SIGNS:
            if first in view and sign.search(view) is not None:
                marks.add(sign, ENCODED)
        # Spaced-out letters: in the view's shape (one byte per character), "a a a a".
        shape = data.translate(_SHAPE_TABLE, _CONTINUATION_BYTES)
        spaced: list[int] = []
        at = shape.find(_SHAPE)
        while at >= 0 and len(spaced) < MAX_RUNS:
            if (at == 0 or shape[at - 1] != 0x61) and shape[at + len(_SHAPE) : at + len(_SHAPE) + 1] != b"a":
                spaced.append(at)
                at = shape.find(_SHAPE, line_end(view, at, 0))
            else:
                at = shape.find(_SHAPE, at + 1)
        marks.flag_offsets(sorted(spaced), SPACED)
        if not text.isascii() and _TAG_CHARS.search(text) is not None:
            starts_of = [0, *(m.end() for m in normalize.LINE_BREAKS.finditer(text))]
            for match in _TAG_CHARS.finditer(text):
                marks.flag(bisect.bisect_right(starts_of, match.start()) - 1, ENCODED)
        return marks

    def passing(self, view: str, data: bytes) -> tuple[set[bytes], set[bytes], bool, _Passing]:
        """The file's words, their first bytes, whether it has CJK, and the terms (flag, the
        gate words of each position found) whose every position it holds."""
        words = set(data.translate(_TOKEN_TABLE).split())
        starts = {word[:START] for word in words}
        has_cjk = not view.isascii() and no_spaces_regex().search(view) is not None
        # Terms whose rarest word the file holds, then whose every word it holds (a prefix
        # counts as held when a word starts with its first bytes: searching the view settles it).
        levels: list[set[int]] = []
        for level in (0, 1):
            held: set[int] = set()
            by_word = self.by_word[level]
            for word in words & by_word.keys():
                held.update(by_word[word])
            by_prefix = self.by_prefix[level]
            for start in starts & by_prefix.keys():
                held.update(i for _, i in by_prefix[start])
            if has_cjk:
                for substring, terms in self.by_substring[level].items():
                    if substring in view:
                        held.update(terms)
            levels.append(held)
            if not held:
                break
        candidates = levels[0] & (levels[1] | self.single) if len(levels) == 2 else set()
        passing: _Passing = []
        for index in sorted(candidates):
            positions = self.compiled[index]
            # Most candidates miss a word the file lacks: check whole words first, cheaply.
            if any(words.isdisjoint(quick) for quick in self.quick[index]):
                continue
            present: list[list[GateWord]] = []
            for position in positions:
                found = _found_in(position, words, starts, data, view, has_cjk)
                if not found:
                    break
                present.append(found)
            else:
                passing.append((self.terms[index][0], present))
        return words, starts, has_cjk, passing

    def _may_call(self, words: set[bytes], view: str, has_cjk: bool) -> bool:
        if words & self.call_words:
            return True
        return has_cjk and any(s in view for s in self.call_substrings)


def _found_in(
    position: _Position, words: set[bytes], starts: set[bytes], data: bytes, view: str, has_cjk: bool
) -> list[GateWord]:
    """The gate words of a position the file may hold (its word set says so for words and
    prefixes; literals are searched)."""
    exact, prefixes, literals = position
    found: list[GateWord] = [exact[w] for w in words & exact.keys()] if exact else []
    for raw, gate_word in prefixes:
        if raw[:START] in starts and (len(raw) <= START or raw in data):
            found.append(gate_word)
    for key, gate_word in literals:
        if (key in words if key else has_cjk) and gate_word[0] in view:
            found.append(gate_word)
    return found


@cache
def _rarity(position: frozenset[GateWord], common: frozenset[str]) -> tuple[int, int]:
    return rarity(position, common)


@cache
def _compile_position(position: frozenset[GateWord]) -> _Position:
    exact: dict[bytes, GateWord] = {}
    prefixes: list[tuple[bytes, GateWord]] = []
    literals: list[tuple[bytes, GateWord]] = []
    for gate_word in sorted(position):
        _, kind, token = gate_word
        if kind == "word":
            exact[token.encode("utf-8")] = gate_word
        elif kind == "prefix":
            prefixes.append((token.encode("utf-8"), gate_word))
        else:
            literals.append((token.encode("utf-8"), gate_word))
    return exact, tuple(prefixes), tuple(literals)


def _known_prefix(prefixes: dict[bytes, list[bytes]], word: bytes) -> bool:
    return any(word.startswith(p) for p in prefixes.get(word[:3], ()))


def _encoded_runs(text: str, view: str, runs: Sequence[bytes]) -> list[int]:
    """Offsets in ``view`` of the long letter-and-digit runs that decode to text (base64 or
    hex; in a non-ASCII text, where the original case is not at hand, every run).

    A few runs are found by literal searches; a blob of many by one pass over the view."""
    same = text.isascii()
    starts: list[int] = []
    ends: list[int] = []
    if len(runs) <= 64:
        lows: list[int] = []  # sorted starts of the runs found, and their ends
        highs: dict[int, int] = {}
        for run in runs:
            word = run.decode()
            at = view.find(word)
            while at >= 0 and len(lows) < MAX_RUNS:
                inside = bisect.bisect_right(lows, at) - 1
                if inside >= 0 and at < highs[lows[inside]]:
                    at = view.find(word, highs[lows[inside]])  # a run already found
                    continue
                # The whole run the word is a piece of ("+" and "/" split words).
                low = at
                while low > 0 and view[low - 1] in _BASE64_CHARS and at - low < 4096:
                    low -= 1
                whole = _LONG_RUN.match(view, low)
                high = whole.end() if whole is not None else at + len(word)
                bisect.insort(lows, low)
                highs[low] = max(high, at + len(word))
                at = view.find(word, highs[low])
        starts, ends = lows, [highs[low] for low in lows]
    else:
        found = [m.span() for m in _LONG_RUN.finditer(view)]
        starts, ends = [a for a, _ in found], [b for _, b in found]
    offsets: list[int] = []
    for at, end in zip(starts, ends, strict=True):
        if not same or normalize.decodes(text[at:end]):
            offsets.append(at)
            if len(offsets) >= MAX_RUNS:
                break
    return sorted(offsets)
