"""The lexicon of the ``ai-directives`` detector: who text in scanned code may address and what
it may want from them, as terms of many languages (``rules/data/ai-lexicon.toml``).

This module reads the lexicon and knows its term syntax (see the data file): words separated
by spaces, ``(a|b|)`` groups, ``'`` and ``-`` that may be absent, a final ``*``. It also says
which words a term cannot match without (:func:`gate_positions`), which the gate
(:mod:`vulnhound.models.directive_gate`) looks for before anything is matched. The regular
expressions of the terms are in :mod:`vulnhound.models.lexicon_regex`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import product

from vulnhound.errors import RuleError
from vulnhound.models import normalize

LEXICON = "ai-lexicon.toml"

# Categories whose words are found as hits, strongest first: a matched word takes the first
# category one of whose terms it is.
HIT_CATEGORIES = (
    "override",
    "order",
    "finding",
    "claim",
    "turn",
    "identity",
    "command",
    "dismiss",
    "ai",
    "reviewer",
    "agent",
)
# Categories read around an addressee rather than found as hits.
CONTEXT_CATEGORIES = ("call", "opening", "after", "scope", "article")
CATEGORIES = HIT_CATEGORIES + CONTEXT_CATEGORIES
ADDRESSEES = frozenset({"ai", "reviewer", "agent"})
INTENTS = frozenset({"override", "order", "finding", "claim", "command", "dismiss"})
FIRM_INTENTS = frozenset({"override", "order", "finding", "claim", "command"})  # more than "safe", "skip"

# Word characters for whole-word matching, in folded text (a regex class body): Latin (digits,
# ASCII and what folding leaves of Latin-1 and Extended), Greek and Cyrillic. CJK, kana and
# hangul have no word boundaries.
WORD_CHARS = "0-9a-z_\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"
# The same characters as a set, for checks outside regular expressions (a character class
# beyond Latin-1 takes long to compile).
WORD_CHAR_SET = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyz_"
    + "".join(map(chr, range(0xC0, 0x250)))
    + "".join(map(chr, range(0x370, 0x530)))
)
# Characters between which a space may be absent: CJK, kana, hangul, fullwidth forms.
_NO_SPACES = "\u1100-\u11ff\u2e80-\u9fff\u3130-\u318f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_NO_SPACES_RANGES = tuple(zip(_NO_SPACES[::3], _NO_SPACES[2::3], strict=True))


def no_spaces(text: str) -> bool:
    """Whether a short text holds a character between which and the next a space may be
    absent (see :func:`no_spaces_regex` for long texts)."""
    return not text.isascii() and any(low <= c <= high for c in text for low, high in _NO_SPACES_RANGES)


@cache
def no_spaces_regex() -> re.Pattern[str]:
    """A search for the characters of :func:`no_spaces`, compiled when first needed."""
    return re.compile(f"[{_NO_SPACES}]")


# --- term syntax ----------------------------------------------------------------------------


def check_term(term: str) -> None:
    """Raise ValueError when ``term`` is not well formed: an unclosed group, or a "*" that
    does not end the term or one of its alternatives."""
    index = 0
    while index < len(term):
        if term[index] == "(":
            close = term.index(")", index)
            for alternative in term[index + 1 : close].split("|"):
                if "*" in alternative[:-1]:
                    raise ValueError("'*' may only end a term or an alternative")
            index = close + 1
            continue
        if term[index] == "*" and index != len(term) - 1:
            raise ValueError("'*' may only end a term or an alternative")
        index += 1


def split_words(term: str) -> list[str]:
    """The words of a term: spaces inside a group do not split."""
    if "(" not in term and ")" not in term:
        return [word for word in term.split(" ") if word]
    words: list[str] = []
    depth = 0
    current = ""
    for char in term:
        depth += char == "("
        depth -= char == ")"
        if char == " " and depth == 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


_GROUP = re.compile(r"\(([^()]*)\)")


def expand_all(term: str, cap: int = 64) -> list[str] | None:
    """Every spelling of ``term`` with its groups expanded (an empty one where every part is
    optional), or None when there are more than ``cap``."""
    choices: list[list[str]] = []
    count = 1
    index = 0
    while (start := term.find("(", index)) >= 0:
        close = term.index(")", start)
        options = term[start + 1 : close].split("|")
        choices += [[term[index:start]], options]
        count *= len(options)
        if count > cap:
            return None
        index = close + 1
    choices.append([term[index:]])
    return [" ".join("".join(spelling).split()) for spelling in product(*choices)]


def expand_first(term: str, budget: int) -> list[str]:
    """A term starting with a group, as one term per alternative (so that tries can merge
    them), unless that would repeat more than ``budget`` characters of the rest."""
    if not term.startswith("("):
        return [term]
    close = term.index(")")
    rest = term[close + 1 :]
    alternatives = term[1:close].split("|")
    if len(rest) * (len(alternatives) - 1) > budget:
        return [term]
    return [" ".join((alternative + rest).split()) for alternative in alternatives]


def words_out_of_groups(term: str) -> str:
    """ "(real |true |)(vulnerability|bug)" -> "(real|true|) (vulnerability|bug)": a group
    whose alternatives are whole words becomes a word of its own."""

    def spaced(match: re.Match[str]) -> str:
        options = match.group(1).split("|")
        filled = [o for o in options if o]
        if filled and all(o.endswith(" ") for o in filled):
            return "(" + "|".join(o.rstrip() for o in options) + ") "
        if filled and all(o.startswith(" ") for o in filled):
            return " (" + "|".join(o.lstrip() for o in options) + ")"
        return match.group(0)

    return " ".join((_GROUP.sub(spaced, term) if "(" in term else term).split())


def letters(text: str) -> int:
    return sum(map(str.isalpha, text))


# --- the lexicon ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """The folded terms of each category, from ``rules/data/ai-lexicon.toml``."""

    terms: dict[str, tuple[str, ...]]
    common: frozenset[str] = frozenset()  # words frequent in code: searched for last

    @staticmethod
    def parse(text: str, origin: str = LEXICON) -> Lexicon:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"{origin}: cannot read the lexicon: {exc}") from exc
        languages = doc.get("language", {})
        if not isinstance(languages, dict):
            raise RuleError(f"{origin}: 'language' must be a table of languages")
        terms: dict[str, list[str]] = {c: [] for c in CATEGORIES}
        for language, table in languages.items():
            if not isinstance(table, dict):
                raise RuleError(f"{origin}: language '{language}' must be a table")
            for category, words in table.items():
                if category not in terms:
                    raise RuleError(f"{origin}: language '{language}': unknown category '{category}'")
                if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                    raise RuleError(f"{origin}: language '{language}': '{category}' must be a list of terms")
                for word in words:
                    folded = " ".join(normalize.fold(word).split())
                    try:
                        check_term(folded)
                    except ValueError as exc:
                        raise RuleError(f"{origin}: language '{language}': bad term {word!r}: {exc}") from exc
                    terms[category].append(folded)
        gate = doc.get("gate", {})
        common = gate.get("common", []) if isinstance(gate, dict) else None
        if not isinstance(common, list) or not all(isinstance(w, str) for w in common):
            raise RuleError(f"{origin}: 'gate.common' must be a list of words")
        return Lexicon(
            {c: tuple(dict.fromkeys(words)) for c, words in terms.items()},
            frozenset(normalize.fold(w) for w in common),
        )


@cache
def lexicon() -> Lexicon:
    text = resources.files("vulnhound.rules").joinpath("data", LEXICON).read_text("utf-8")
    return Lexicon.parse(text, f"vulnhound/rules/data/{LEXICON}")


# --- the words a term needs -----------------------------------------------------------------

GateWord = tuple[str, str, str]  # (what to search, "word" | "prefix" | "substring", word set key)
START = 5  # prefixes are looked up by their first five bytes

# What splits words for the gate: anything but ASCII letters and digits and non-ASCII (written
# as ASCII classes, quick to compile).
_GATE_SPLIT = re.compile(r"[\x00-/:-`{-\x7f]+")
# What makes a spelling a literal for the gate: the same but whitespace, "-" and "'".
_GATE_LITERAL = re.compile(r"[\x00-\x08\x0e-\x1b!-&(-,./:-`{-\x7f]")
_SPACES_OR_HYPHENS = re.compile(r"[\s\-]+")
_PLAIN = re.compile("[0-9a-z]+")


def gate_positions(term: str, common: frozenset[str] = frozenset()) -> tuple[frozenset[GateWord], ...]:
    """The mandatory words of a term, each as the gate words of its spellings: a line on
    which the term matches holds one gate word of each position."""
    return tuple(p for word in split_words(words_out_of_groups(term)) for p in _word_positions(word, common))


@cache
def _word_positions(word: str, common: frozenset[str]) -> tuple[frozenset[GateWord], ...]:
    """The positions one word of a term makes: none (an optional word, or one with too many
    spellings), one, or one per piece of a hyphenated word."""
    if _PLAIN.fullmatch(word.rstrip("*")):  # the usual word: one spelling, one gate word
        own = gate_word(word, common)
        return (frozenset({own}),) if own[0] else ()
    spellings = expand_all(word)
    if spellings is None or any(not s for s in spellings):
        return ()
    if "(" not in word and "-" in word.strip("-"):
        # "ki-modell*": "ki" and "modell..." as two words, or "kimodell..." as one.
        pieces = [p for p in word.split("-") if p]
        joined = gate_word("".join(pieces), common)
        positions: list[frozenset[GateWord]] = []
        for piece in pieces:
            own = gate_word(piece, common)
            if own[0]:
                positions.append(frozenset({own, joined}))
        return tuple(positions)
    gate_words: set[GateWord] = set()
    for spelling in spellings:
        for form in {spelling, spelling.replace("'", " "), spelling.replace("'", "")}:
            gate_words.add(gate_word(form, common))
    if gate_words and all(w[0] for w in gate_words):
        return (frozenset(gate_words),)
    return ()


def gate_word(spelling: str, common: frozenset[str] = frozenset()) -> GateWord:
    """What the gate looks for to find ``spelling`` (one word of a term, maybe with spaces):
    (what to search, how, the word of the file's word set it needs).

    The gate splits a file's words at anything but letters, digits, "@", "$" and non-ASCII.
    A plain spelling is found by its longest piece, as a whole word, or as a prefix if the
    spelling ends in "*"; one with other characters ("<|im_start|>", "system:") or CJK as a
    literal substring.
    """
    bare = spelling.rstrip("*")
    if _PLAIN.fullmatch(bare):
        kind = "prefix" if spelling.endswith("*") and len(bare) >= START else "word"
        return bare, kind, bare
    pieces = [p for p in _GATE_SPLIT.split(bare) if p]
    cjk = no_spaces(bare)
    if cjk or _GATE_LITERAL.search(bare):
        literal = max(_SPACES_OR_HYPHENS.split(bare), key=len) if cjk else bare
        key = max(pieces, key=len) if pieces else ""
        return literal, "substring", ("" if no_spaces(key) else key)
    if not pieces:
        return "", "word", ""
    word = max(pieces, key=lambda p: (len(p) >= 3, p not in common, len(p)))
    # A prefix shorter than five letters ("gpt*") is looked for as a whole word.
    kind = "prefix" if spelling.endswith("*") and word == pieces[-1] and len(word) >= START else "word"
    return word, kind, word


def rarity(position: Iterable[GateWord], common: frozenset[str]) -> tuple[int, int]:
    """How rare a position's words are likely to be: none common, then the shortest long."""
    words = [w[2] or w[0] for w in position]
    return -sum(w in common for w in words), min(len(w) for w in words)


@cache
def required_literals(term: str) -> frozenset[str] | None:
    """Strings one of which every match of ``term`` contains (literally, in folded text), or
    None when the term has no word to tell: for its most telling mandatory word, the longest
    run of letters and digits of each spelling (outside groups, the longest run)."""
    outside = [p for p in _GATE_SPLIT.split(_GROUP.sub(" ", term)) if p]
    if outside:
        return frozenset({max(outside, key=len)})
    best: frozenset[str] | None = None
    for word in split_words(words_out_of_groups(term)):
        spellings = expand_all(word)
        if spellings is None or any(not s for s in spellings):
            continue
        found: set[str] = set()
        for spelling in spellings:
            pieces = [p for p in _GATE_SPLIT.split(spelling) if p]
            if not pieces:
                break
            found.add(max(pieces, key=len))
        else:
            if best is None or min(map(len, found)) > min(map(len, best)):
                best = frozenset(found)
    return best
