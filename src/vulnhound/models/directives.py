"""Text in scanned code addressed to AI reviewers (CWE-1427): the ``ai-directives`` analyzer
and the checks triage makes before a model may dismiss a finding.

Detection is by addressee and intent, from the lexicon ``rules/data/ai-lexicon.toml`` (many
languages, as data), on normalised text (:mod:`vulnhound.models.normalize`): folded (NFKC-like
decomposition, invisible characters removed, look-alike letters mapped, lower case), and where
the text suggests it, despaced, unleeted, rot13-read or with embedded encodings decoded.

Two strengths:

- :func:`find_directive`, the **strict** check, which the analyzer reports: an order that
  replaces the reader's instructions or names the verdict ("ignore previous instructions",
  "do not report this vulnerability"), or an addressee that is called ("Claude, ...",
  "Hey model, ...", "Note to the triage tool: ...", "LLM: ...") followed by an intent
  ("false positive", "safe", "respond with"), plus the regular expressions of the rule
  (``patterns`` in ``rules/data/ai-directives.toml``).
- :func:`aimed_at_reviewer`, the **broad** check, which triage applies to the code it shows a
  model: anything strict, a stated verdict ("known false positive", "not a vulnerability"), or
  an addressee near an intent within a few lines. A finding whose code holds such text may
  never be dismissed by a model.

Speed (the analyzer runs in every scan): a file's folded text is split into its set of
distinct words at C speed (``bytes.translate`` and ``split``). Each lexicon term has mandatory
words (:func:`gate_positions`); a term whose every mandatory word is in the set is searched
for, rarest word first, by literal searches, and only the lines holding all its words are
kept. Words that unleet or rot13-read to lexicon words, long letter-and-digit runs that decode
to text, escapes and entities of letters, and spaced-out letters mark lines too. Only marked
lines (of a long line, the text around the marks) are read with the full matchers. A rule
without ``lexicon = true`` (a user's) has its ``patterns`` searched over the whole text, each
match checked against its own line.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import filterfalse

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.errors import RuleError
from vulnhound.findings import Finding, Location
from vulnhound.languages import ALL_LANGUAGES
from vulnhound.models import normalize
from vulnhound.rules.catalog import RuleCatalog, RuleInfo, builtin_rule_files, load_rule_file
from vulnhound.sources import SourceFile

NAME = "ai-directives"
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
MAX_GAP = 200  # characters between an addressee and its intent
WINDOW = 3  # lines the broad check reads together

# Word characters for whole-word matching, in folded text: Latin (digits, ASCII and what
# folding leaves of Latin-1 and Extended), Greek and Cyrillic. CJK, kana and hangul have no
# word boundaries.
_L = "0-9a-z_\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"
_WORD_CHAR = re.compile(f"[{_L}]")
_NO_SPACES = re.compile("[\u1100-\u11ff\u2e80-\u9fff\u3130-\u318f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")

# Where an addressee opens a comment, a string or a sentence: the non-word characters before it
# hold one of these (or it starts the line).
_SEGMENT = frozenset("\"'`#/;<>!?.|:=-\n\u300c\u300e\u3010")
_TRAILING_GAP = re.compile(r"[\W_]*\Z")
# After an addressee: a model version ("GPT-4o-mini", "Llama 3.1 70B") then ":" or ",".
_VOCATIVE_TAIL = re.compile(
    "[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff]{0,8}"
    r"(?:[\s\-.]*(?:\d[\w.]*|o\d\w*|v\d[\w.]*|mini|turbo|pro|plus|max|flash|ultra|sonnet|opus|haiku|"
    r"instruct|chat|coder|preview|latest)(?![\w]))*[ \t]*(?:[:,;!]|--?\s)"
)
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_ODD_BREAK = re.compile(r"[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_ODD_TO_NEWLINE = str.maketrans({c: "\n" for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})

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

# Line flags set by the gate.
_FIRM = 1  # an addressee (ai, reviewer) or a firm intent (override, order, claim, command, ...)
_DISMISS = 2  # a weak verdict word
_AGENT = 4  # an agent noun ("model", "tool")
_LEET = 8
_ROT13 = 16
_ENCODED = 32
_SPACED = 64
_FORMS = _LEET | _ROT13 | _ENCODED | _SPACED
_CATEGORY_FLAG = {"dismiss": _DISMISS, "agent": _AGENT}
_START = 5  # prefixes are looked up by their first five bytes


# --- the lexicon ----------------------------------------------------------------------------


def _space(term: str, index: int, optional: bool, cheap: bool) -> str:
    """The regex for the space at ``term[index]``: optional next to CJK characters.

    ``cheap`` regexes (for classifying words already found) avoid character classes, which
    are slow to compile."""
    before = term[index - 1] if index > 0 else ""
    after = term[index + 1] if index + 1 < len(term) else ""
    many = "*" if optional or _NO_SPACES.match(before) or _NO_SPACES.match(after) else "+"
    return f"(?:\\s|-){many}" if cheap else f"[\\s\\-]{many}"


def _char(term: str, index: int, spaces_optional: bool, cheap: bool = False) -> str:
    char = term[index]
    if char == " ":
        return _space(term, index, spaces_optional, cheap)
    if char == "-":
        return "(?:\\s|-)?" if cheap else r"[\s\-]?"
    if char == "'":
        return "'?"
    if char == "*":
        if index != len(term) - 1:
            raise ValueError("'*' may only end a term or an alternative")
        return "\\w*" if cheap else f"[{_L}]*"
    return re.escape(char)


def _tail(text: str) -> str:
    """The right boundary after ``text``: whole words for Latin, Greek and Cyrillic."""
    if text and not text.endswith("*") and _WORD_CHAR.match(text[-1]):
        return f"(?![{_L}])"
    return ""


def _atoms(term: str, spaces_optional: bool = False, bounded: bool = True) -> list[str]:
    """The regex pieces of one term (its first group already expanded), for a trie."""
    atoms: list[str] = []
    index = 0
    while index < len(term):
        if term[index] == "(":
            close = term.index(")", index)
            alternatives = term[index + 1 : close].split("|")
            last = close == len(term) - 1
            bodies = []
            for alternative in sorted({a for a in alternatives if a}, key=len, reverse=True):
                body = "".join(
                    _char(alternative, i, spaces_optional, not bounded) for i in range(len(alternative))
                )
                bodies.append(body + (_tail(alternative) if last and bounded else ""))
            group = "(?:" + "|".join(bodies) + ")"
            if "" in alternatives:
                if close + 1 < len(term) and term[close + 1] == " ":
                    # An optional word takes the space after it with it.
                    atoms.append(f"(?:{group}{_space(term, close + 1, spaces_optional, not bounded)})?")
                    index = close + 2
                    continue
                group += "?"
            atoms.append(group)
            index = close + 1
            continue
        atoms.append(_char(term, index, spaces_optional, not bounded))
        index += 1
    if bounded and not term.endswith(")"):
        tail = _tail(term)
        if tail:
            atoms.append(tail)
    return atoms


def _expand_first(term: str, budget: int) -> list[str]:
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


def _split_words(term: str) -> list[str]:
    """The words of a term: spaces inside a group do not split."""
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


def _expand_all(term: str, cap: int = 64) -> list[str] | None:
    """Every spelling of ``term`` with its groups expanded (an empty one where every part is
    optional), or None when there are more than ``cap``."""
    spellings = [""]
    index = 0
    while index < len(term):
        if term[index] == "(":
            close = term.index(")", index)
            options = term[index + 1 : close].split("|")
            spellings = [s + o for s in spellings for o in options]
            index = close + 1
        else:
            spellings = [s + term[index] for s in spellings]
            index += 1
        if len(spellings) > cap:
            return None
    return [" ".join(s.split()) for s in spellings]


_Node = dict[str, "_Node"]


def _trie(terms: Iterable[list[str]]) -> str:
    root: _Node = {}
    for atoms in terms:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: _Node) -> str:
        branches = [atom + emit(child) for atom, child in node.items() if atom]
        if "" in node:
            return f"(?:{'|'.join(branches)})?" if branches else ""
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(root)


def _words_regex(
    terms: Iterable[str],
    spaces_optional: bool = False,
    bounded: bool = True,
    budget: int = 0,
) -> str:
    """One regex matching any of ``terms`` (folded), longest continuation first.

    Terms starting with a group have it expanded when that repeats at most ``budget``
    characters (tries merge expanded terms, which makes matching faster and the regex longer).
    All terms are in one trie (two: those starting with a word character need a boundary
    before), so that the longest term wins wherever they start alike.
    """
    tries: dict[bool, list[list[str]]] = {}
    for term in terms:
        for variant in _expand_first(term, budget):
            if not variant:
                continue
            atoms = _atoms(variant, spaces_optional, bounded)
            first = variant[1:].split("|")[0] if variant.startswith("(") else variant
            starts_word = _WORD_CHAR.match(first[:1] or " ") is not None
            tries.setdefault(starts_word and bounded, []).append(atoms)
    parts = []
    for starts_word, atom_lists in sorted(tries.items()):
        before = f"(?<![{_L}])" if starts_word else ""
        parts.append(f"{before}(?:{_trie(atom_lists)})")
    return "|".join(parts) if parts else "(?!)"


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


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
                        _atoms(folded)
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


# --- detection ------------------------------------------------------------------------------

_Hit = tuple[int, int, str]  # start, end, category


@dataclass(frozen=True)
class Directive:
    """Where text addressed to AI reviewers was found.

    ``line`` is 0-based; ``start`` and ``end`` are 0-based columns of the original line
    (for a decoded or otherwise rewritten form, the stripped line). ``text`` is what was
    read, folded; ``form`` says how: "text", "despaced", "leet", "rot13" or "decoded".
    """

    line: int
    start: int
    end: int
    text: str
    form: str


class Detector:
    """The lexicon's matchers, and the rule's own patterns for the strict check."""

    def __init__(self, lex: Lexicon, patterns: Sequence[re.Pattern[str]] = ()) -> None:
        self.lexicon = lex
        self.patterns = tuple(patterns)
        hits = [t for c in HIT_CATEGORIES for t in lex.terms[c]]
        self.words = re.compile(_words_regex(hits, budget=400))
        self.category = {
            c: re.compile(_words_regex(lex.terms[c], bounded=False)) for c in HIT_CATEGORIES if lex.terms[c]
        }
        articles = _words_regex(lex.terms["article"])
        self.call = re.compile(
            f"(?:{_words_regex(lex.terms['call'])})[\\s,:\\-]*(?:(?:{articles})[\\s,:\\-]*){{0,2}}\\Z"
        )
        self.opening = re.compile(
            f"(?:{_words_regex(lex.terms['opening'])})[\\s\\-]*(?:(?:{articles})[\\s\\-]*){{0,2}}\\Z"
        )
        self.after = re.compile(f"[ \\t]*(?:{_words_regex(lex.terms['after'])})")
        self.scope = re.compile(
            f"[\\s\\-]*(?:[^\\W\\d_]+[\\s\\-]+){{0,3}}?(?:{_words_regex(lex.terms['scope'])})"
        )
        self._memo: dict[str, str | None] = {}
        self._locators: dict[tuple[str, str], re.Pattern[str]] = {}
        self._squeezed_matchers: tuple[re.Pattern[str], dict[str, re.Pattern[str]]] | None = None
        self._long_words: tuple[str, ...] | None = None
        self._build_gate(lex)

    def _build_gate(self, lex: Lexicon) -> None:
        """The gate's tables. A term needs each of its mandatory words on a line: a word is
        one of a few gate words (the longest piece of each spelling: a whole word, a prefix
        for "vulnerab*", a substring in CJK). Terms are indexed by their rarest (longest)
        mandatory word; rot13 forms of the gate words mark lines to read in rot13."""
        self.terms: list[tuple[int, tuple[frozenset[_GateWord], ...]]] = []
        self.compiled: list[tuple[_Position, ...]] = []
        self.quick: list[tuple[frozenset[bytes], ...]] = []  # positions of whole words only
        # For the rarest and the second rarest position of each term:
        self.by_word: tuple[dict[bytes, list[int]], ...] = ({}, {})  # exact word -> terms
        self.by_prefix: tuple[dict[bytes, list[tuple[bytes, int]]], ...] = (
            {},
            {},
        )  # first bytes -> (prefix, term)
        self.by_substring: tuple[dict[str, list[int]], ...] = ({}, {})
        self.single: set[int] = set()  # terms of one position
        self.rot13: set[bytes] = set()
        self.rot13_prefixes: dict[bytes, list[bytes]] = {}
        self.known: set[bytes] = set()  # every exact gate word, for leetspeak
        self.known_prefixes: dict[bytes, list[bytes]] = {}
        for category in HIT_CATEGORIES:
            flag = _CATEGORY_FLAG.get(category, _FIRM)
            for term in lex.terms[category]:
                positions = gate_positions(term, lex.common)
                if not positions:
                    raise RuleError(f"{LEXICON}: term {term!r} has no word the gate can look for")
                index = len(self.terms)
                self.terms.append((flag, positions))
                self.compiled.append(tuple(_compile_position(p) for p in positions))
                self.quick.append(
                    tuple(frozenset(c[0]) for c in self.compiled[-1] if c[0] and not c[1] and not c[2])
                )
                # Indexed by its two rarest positions: a candidate must hold a word of each.
                keys = sorted(positions, key=lambda p: _rarity(p, lex.common), reverse=True)[:2]
                if len(keys) == 1:
                    self.single.add(index)
                for level, key in enumerate(keys):
                    for word, kind, token in key:
                        if not token:
                            self.by_substring[level].setdefault(word, []).append(index)
                        elif kind == "prefix":
                            raw = token.encode("utf-8")
                            self.by_prefix[level].setdefault(raw[:_START], []).append((raw, index))
                        else:
                            self.by_word[level].setdefault(token.encode("utf-8"), []).append(index)
                for position in positions:
                    for _, kind, token in position:
                        if kind == "substring":
                            continue
                        raw = token.encode("utf-8")
                        rot = normalize.rot13(token).encode("utf-8")
                        if kind == "prefix":
                            self.known_prefixes.setdefault(raw[:3], []).append(raw)
                            if token.isascii():
                                self.rot13_prefixes.setdefault(rot[:_START], []).append(rot)
                        else:
                            self.known.add(raw)
                            if token.isascii() and _letters(token) >= 4:
                                self.rot13.add(rot)
        self.rot13 -= self.known
        # Words of the vocatives that make an agent noun an addressee.
        self.call_words: set[bytes] = set()
        self.call_substrings: set[str] = set()
        for category in ("call", "after", "scope"):
            for term in lex.terms[category]:
                positions = gate_positions(term, lex.common)
                for position in sorted(positions, key=lambda p: _rarity(p, lex.common))[-1:]:
                    for word, _, token in position:
                        if token:
                            self.call_words.add(token.encode("utf-8"))
                        else:
                            self.call_substrings.add(word)

    # -- words -----------------------------------------------------------------------------

    def classify(self, word: str) -> str | None:
        """The category of a word the matcher found (the first, in HIT_CATEGORIES order)."""
        if word in self._memo:
            return self._memo[word]
        found = next((c for c, pattern in self.category.items() if pattern.fullmatch(word)), None)
        if len(self._memo) > 100_000:
            self._memo.clear()
        self._memo[word] = found
        return found

    def _holds_known_word(self, letters: str) -> bool:
        """Whether letters written together hold a gate word of four letters or more."""
        if self._long_words is None:
            self._long_words = tuple(
                sorted({w.decode("utf-8") for w in self.known if _letters(w.decode("utf-8")) >= 4}, key=len)
            )
        folded = normalize.unleet(letters)
        return any(w in letters or w in folded for w in self._long_words)

    def _squeezed(self) -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]]:
        """Terms with their spaces optional and no word boundaries, for letters spaced out
        ("ignorepreviousinstructions"), and the same per category; built when first needed."""
        if self._squeezed_matchers is None:
            lex = self.lexicon
            hits = [t for c in HIT_CATEGORIES for t in lex.terms[c] if _letters(t) >= 4]
            pattern = re.compile(_words_regex(hits, spaces_optional=True, bounded=False, budget=400))
            categories = {
                c: re.compile(_words_regex(lex.terms[c], spaces_optional=True, bounded=False))
                for c in HIT_CATEGORIES
                if lex.terms[c]
            }
            self._squeezed_matchers = (pattern, categories)
        return self._squeezed_matchers

    def hits(self, view: str, squeezed: bool = False) -> list[_Hit]:
        found: list[_Hit] = []
        if squeezed:
            pattern, categories = self._squeezed()
            for match in pattern.finditer(view):
                category = next((c for c, p in categories.items() if p.fullmatch(match.group(0))), None)
                if category is not None:
                    found.append((match.start(), match.end(), category))
            return found
        for match in self.words.finditer(view):
            category = self.classify(match.group(0))
            if category is not None:
                found.append((match.start(), match.end(), category))
        return found

    # -- rules -----------------------------------------------------------------------------

    def _opens(self, view: str, start: int) -> bool:
        """Whether an addressee at ``start`` opens a comment, string, sentence or line
        (after an opening such as "to the" or "для", if any)."""
        low = max(0, start - 64)
        before = view[low:start]
        opened = self.opening.search(before)
        if opened is not None and (opened.start() == 0 or not _WORD_CHAR.match(before[opened.start() - 1])):
            before = before[: opened.start()]
        gap = _TRAILING_GAP.search(before)
        assert gap is not None  # matches the empty string
        if gap.start() == 0:
            return True  # nothing but punctuation since the line (or 64 characters) started
        marks = gap.group(0).rstrip()
        if not marks:
            return False
        # A comment, a string, a sentence or a line of a block comment (" * ") opens here;
        # "*args", "(ai: int)" and "x = model" do not.
        last = marks[-1]
        if last == "*":
            return gap.group(0) != marks  # followed by a space
        return last in _SEGMENT

    def _addressed(self, view: str, start: int, end: int, category: str) -> tuple[bool, bool]:
        """(addressed, called): whether the addressee at start..end is spoken to, and whether
        by a call that makes any intent count ("Hey model", "Claude:", "AI agents reviewing this")."""
        before = view[max(0, start - 64) : start]
        if self.call.search(before) is not None:
            return True, True
        if before.endswith("@") and category != "agent":
            return True, True
        if self.after.match(view, end) is not None or self.scope.match(view, end, end + 80) is not None:
            return True, True
        if _VOCATIVE_TAIL.match(view, end) is not None and self._opens(view, start):
            return True, category == "ai"
        return False, False

    def strict(self, view: str, hits: Sequence[_Hit]) -> tuple[int, int] | None:
        count = len(hits)
        index = 0
        while index < count:
            start, end, category = hits[index]
            if category in ("override", "order"):
                return start, end
            if category == "turn" and self._opens(view, start):
                for later in hits[index + 1 :]:
                    if later[0] - end > MAX_GAP:
                        break
                    if later[2] in INTENTS:
                        return start, later[1]
            elif category == "identity":
                for later in hits[index + 1 :]:
                    if later[0] - end > 40:
                        break
                    if later[2] in ADDRESSEES:
                        return start, later[1]
            elif category in ADDRESSEES:
                last = index
                strongest = category
                # "AI code reviewer", "KI-Prüfer": neighbouring addressees are one.
                while (
                    last + 1 < count
                    and hits[last + 1][2] in ADDRESSEES
                    and not view[hits[last][1] : hits[last + 1][0]].strip(" \t-")
                ):
                    last += 1
                    if hits[last][2] == "ai" or (hits[last][2] == "reviewer" and strongest == "agent"):
                        strongest = hits[last][2]
                end = hits[last][1]
                addressed, called = self._addressed(view, start, end, strongest)
                if addressed:
                    wanted = INTENTS if called else FIRM_INTENTS
                    for later in hits[last + 1 :]:
                        if later[0] - end > MAX_GAP:
                            break
                        if later[2] in wanted:
                            return start, later[1]
                index = last + 1
                continue
            index += 1
        return None

    def broad(self, view: str, hits: Sequence[_Hit]) -> tuple[int, int] | None:
        """An addressee near an intent, in either order, or a verdict on a finding."""
        seen: dict[str, tuple[int, int]] = {}

        def near(category: str, at: int) -> tuple[int, int] | None:
            where = seen.get(category)
            return where if where is not None and at - where[1] <= MAX_GAP else None

        for start, end, category in hits:
            if category in ("finding", "override", "order"):
                return start, end
            partners: tuple[str, ...] = ()
            if category in ("dismiss", "command"):
                partners = ("ai", "reviewer", "turn")
            elif category == "claim":
                partners = ("ai", "reviewer", "turn", "agent")
            elif category in ("ai", "reviewer"):
                partners = ("claim", "dismiss", "command", "identity", "turn")
            elif category == "agent":
                partners = ("claim",)
            elif category == "turn":
                partners = ("claim", "dismiss", "command", "ai", "reviewer")
            elif category == "identity":
                partners = ("ai", "reviewer")
            for partner in partners:
                where = near(partner, start)
                if where is not None:
                    return where[0], end
            seen[category] = (start, end)
        return None

    def judge(self, view: str, broad: bool = False) -> tuple[int, int] | None:
        """The span of ``view`` (folded text) that addresses AI reviewers, or None."""
        hits = self.hits(view)
        span = self.strict(view, hits)
        if span is None and broad:
            span = self.broad(view, hits)
        if span is None and self.patterns and any(h[2] != "agent" for h in hits):
            for pattern in self.patterns:
                match = pattern.search(view)
                if match is not None:
                    return match.span()
        return span

    def _read(self, text: str, broad: bool, spaced: bool) -> str | None:
        """What of ``text`` (a folded line) addresses AI reviewers; with ``spaced``, also read
        it despaced and its spaced-out runs written together ("ignorepreviousinstructions")."""
        span = self.judge(text, broad) if self.may_address(text) else None
        if span is not None:
            return text[span[0] : span[1]]
        if not spaced:
            return None
        despaced = normalize.despace(text)
        for form in dict.fromkeys((despaced, normalize.unleet(despaced))):
            if form != text and self.may_address(form):
                span = self.judge(form, broad)
                if span is not None:
                    return form[span[0] : span[1]]
        for _, _, letters in normalize.spaced_runs(text):
            if _letters(letters) < 6 or not self._holds_known_word(letters):
                continue
            for form in dict.fromkeys((letters, normalize.unleet(letters))):
                hits = self.hits(form, squeezed=True)
                span = self.strict(form, hits) or (self.broad(form, hits) if broad else None)
                if span is not None:
                    return form[span[0] : span[1]]
        return None

    def _read_forms(
        self, original: str, view: str, pieces: Sequence[tuple[int, int]], flags: int, broad: bool
    ) -> tuple[str, str] | None:
        """(form, text read) of the first rewritten form of a line that addresses AI reviewers.

        ``view`` is the folded line, ``pieces`` the stretches of it to read (all of it, or
        around the gate's marks in a long line); a long original line is decoded in pieces
        around its encoded runs."""
        for low, high in pieces:
            part = view[low:high]
            if flags & _LEET:
                read = self._read(normalize.unleet(part), broad, False)
                if read is not None:
                    return "leet", read
            if flags & _ROT13:
                read = self._read(normalize.rot13(part), broad, False)
                if read is not None:
                    return "rot13", read
            if flags & _SPACED:
                read = self._read(part, broad, True)
                if read is not None:
                    return "despaced", read
        if flags & _ENCODED:
            for low, high in _encoded_pieces(original):
                decoded = normalize.decode(original[low:high])
                if decoded is not None:
                    read = self._read(normalize.fold(decoded), broad, True)
                    if read is not None:
                        return "decoded", read
        return None

    # -- whole texts -----------------------------------------------------------------------

    def scan(
        self, text: str, lines: Sequence[str] | None = None, broad: bool = False, first: bool = False
    ) -> list[Directive]:
        """The lines of ``text`` that address AI reviewers, one Directive per line, in order.

        ``lines`` are ``text.splitlines()`` when the caller has them. ``broad`` reads a few
        lines together and counts any addressee near an intent (see :func:`aimed_at_reviewer`).
        """
        view = normalize.fold(text)
        if _ODD_BREAK.search(view) is not None:
            # Same length, one "\n" per line break of str.splitlines.
            view = view.replace("\r\n", " \n").translate(_ODD_TO_NEWLINE)
        marks = self._gate(text, view, broad)
        flags = marks.flags
        original = _Lines(text, lines)
        same_offsets = text.isascii()
        found: dict[int, Directive] = {}
        for number in sorted(flags):
            line_flags = flags[number]
            start, end = marks.span(number)
            directive: Directive | None = None
            if broad and line_flags & (_FIRM | _DISMISS | _AGENT):
                window_flags = 0
                for n in range(number, number + WINDOW):
                    window_flags |= flags.get(n, 0)
                if _worth_judging(window_flags):
                    window_end = _line_end(view, end, WINDOW - 1)
                    for low, high in _pieces(view, start, window_end, marks.offsets.get(number, ())):
                        span = self.judge(view[low:high], broad=True)
                        if span is None:
                            continue
                        at = number + view.count("\n", start, low + span[0])
                        line_start = view.rfind("\n", 0, low + span[0]) + 1
                        line_end = _line_end(view, low + span[0], 0)
                        directive = self._located(
                            original.get(at),
                            at,
                            (low + span[0] - line_start, min(low + span[1], line_end) - line_start),
                            view[low + span[0] : low + span[1]],
                            same_offsets,
                        )
                        break
            elif _worth_judging(line_flags):
                for low, high in _pieces(view, start, end, marks.offsets.get(number, ())):
                    span = self.judge(view[low:high])
                    if span is not None:
                        read = view[low + span[0] : low + span[1]]
                        span = (low - start + span[0], low - start + span[1])
                        directive = self._located(original.get(number), number, span, read, same_offsets)
                        break
            if directive is None and line_flags & _FORMS:
                line = original.get(number)
                pieces = [
                    (low - start, high - start)
                    for low, high in _pieces(view, start, end, marks.offsets.get(number, ()))
                ]
                read_form = self._read_forms(line, view[start:end], pieces, line_flags, broad)
                if read_form is not None:
                    stripped = line.strip()
                    column, last = (line.find(stripped) if stripped else 0), len(line.rstrip())
                    if read_form[0] == "decoded":
                        runs = normalize.encoded_spans(line)
                        if runs:
                            column, last = runs[0][0], max(end for _, end in runs)
                    directive = Directive(number, column, last, read_form[1], read_form[0])
            if directive is not None and directive.line not in found:
                found[directive.line] = directive
                if first:
                    break
        return [found[n] for n in sorted(found)]

    def _located(
        self, line: str, number: int, span: tuple[int, int], read: str, same_offsets: bool
    ) -> Directive:
        if same_offsets:
            start, end = span
        else:
            start, end = _column(line, span[0]), _column(line, max(span[1] - 1, span[0])) + 1
        end = max(min(end, len(line)), start)
        return Directive(number, min(start, len(line)), end, read, "text")

    def _locator(self, word: str, kind: str) -> re.Pattern[str]:
        """A search for ``word`` starting with its literal (fast): a whole word, a prefix or a
        substring (CJK, or a run of encoded text)."""
        key = (word, kind)
        pattern = self._locators.get(key)
        if pattern is None:
            literal = re.escape(word)
            if kind == "substring" or not _WORD_CHAR.match(word[:1]):
                pattern = re.compile(literal)
            else:
                pattern = re.compile(
                    f"{literal}(?<![{_L}]{literal})" + ("" if kind == "prefix" else f"(?![{_L}])")
                )
            if len(self._locators) > 10_000:
                self._locators.clear()
            self._locators[key] = pattern
        return pattern

    def _gate(self, text: str, view: str, broad: bool) -> _Marks:
        """The lines worth examining, with what was seen on them and where."""
        data = view.encode("utf-8", "replace")
        words, starts, has_cjk, passing = self._passing(view, data)
        marks = _Marks(view, self.lexicon.common)
        # Weak verdict words and agent nouns make a line worth reading only together
        # ("Hey model, this is safe"), unless the broad check reads lines around firmer words.
        kinds = {flag for flag, _ in passing}
        for flag, present in passing:
            if flag == _FIRM or broad:
                marks.add_term(present, flag, self._locator)
        # An agent noun is spoken to only with a call ("hey", "dear", "note to", "へ"):
        # without a call word in the file, "model" and "safe" on one line are ordinary text.
        if not broad and {_AGENT, _DISMISS} <= kinds and self._may_call(words, view, has_cjk):
            for flag, present in passing:
                if flag == _DISMISS:
                    marks.add_term(present, flag, self._locator)
            dismissed = [n for n, f in marks.flags.items() if f & _DISMISS]
            if dismissed:
                for flag, present in passing:
                    if flag == _AGENT:
                        marks.add_term(present, flag, self._locator, dismissed)
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
                    marks.add(self._locator(word.decode(), "substring"), _LEET)
        if encoded:
            marks.flag_offsets(self._encoded_runs(text, view, encoded), _ENCODED)
        for word in words & self.rot13:
            marks.add(self._locator(word.decode(), "word"), _ROT13)
        for start in starts & self.rot13_prefixes.keys():
            for prefix in self.rot13_prefixes[start]:
                marks.add(self._locator(prefix.decode(), "prefix"), _ROT13)
        for first, sign in _ENCODING_SIGNS:
            if first in view and sign.search(view) is not None:
                marks.add(sign, _ENCODED)
        # Spaced-out letters: in the view's shape (one byte per character), "a a a a".
        shape = data.translate(_SHAPE_TABLE, _CONTINUATION_BYTES)
        spaced: list[int] = []
        at = shape.find(_SHAPE)
        while at >= 0 and len(spaced) < MAX_RUNS:
            if (at == 0 or shape[at - 1] != 0x61) and shape[at + len(_SHAPE) : at + len(_SHAPE) + 1] != b"a":
                spaced.append(at)
                at = shape.find(_SHAPE, _line_end(view, at, 0))
            else:
                at = shape.find(_SHAPE, at + 1)
        marks.flag_offsets(sorted(spaced), _SPACED)
        if not text.isascii() and _TAG_CHARS.search(text) is not None:
            starts_of = [0, *(m.end() for m in normalize.LINE_BREAKS.finditer(text))]
            for match in _TAG_CHARS.finditer(text):
                marks.flag(bisect.bisect_right(starts_of, match.start()) - 1, _ENCODED)
        return marks

    @staticmethod
    def _encoded_runs(text: str, view: str, runs: Sequence[bytes]) -> list[int]:
        """Offsets in ``view`` of the long letter-and-digit runs that decode to text (base64
        or hex; in a non-ASCII text, where the original case is not at hand, every run).

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

    def _passing(
        self, view: str, data: bytes
    ) -> tuple[set[bytes], set[bytes], bool, list[tuple[int, list[list[_GateWord]]]]]:
        """The file's words, their first three bytes, whether it has CJK, and the terms
        (flag, the gate words of each position found) whose every position it holds."""
        words = set(data.translate(_TOKEN_TABLE).split())
        starts = {word[:_START] for word in words}
        has_cjk = not view.isascii() and _NO_SPACES.search(view) is not None
        # Terms whose rarest word the file holds, then whose every word it holds (a prefix
        # counts as held when a word starts with its first three letters: searching the
        # view settles it).
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
        passing: list[tuple[int, list[list[_GateWord]]]] = []
        for index in sorted(candidates):
            positions = self.compiled[index]
            # Most candidates miss a word the file lacks: check whole words first, cheaply.
            if any(words.isdisjoint(quick) for quick in self.quick[index]):
                continue
            present: list[list[_GateWord]] = []
            for position in positions:
                found = self._found_in(position, words, starts, data, view, has_cjk)
                if not found:
                    break
                present.append(found)
            else:
                passing.append((self.terms[index][0], present))
        return words, starts, has_cjk, passing

    @staticmethod
    def _found_in(
        position: _Position, words: set[bytes], starts: set[bytes], data: bytes, view: str, has_cjk: bool
    ) -> list[_GateWord]:
        """The gate words of a position the file may hold (its word set says so for words and
        prefixes; literals are searched)."""
        exact, prefixes, literals = position
        found: list[_GateWord] = [exact[w] for w in words & exact.keys()] if exact else []
        for raw, gate_word in prefixes:
            if raw[:_START] in starts and (len(raw) <= _START or raw in data):
                found.append(gate_word)
        for key, gate_word in literals:
            if (key in words if key else has_cjk) and gate_word[0] in view:
                found.append(gate_word)
        return found

    def _may_call(self, words: set[bytes], view: str, has_cjk: bool) -> bool:
        if words & self.call_words:
            return True
        return has_cjk and any(s in view for s in self.call_substrings)

    def may_address(self, view: str) -> bool:
        """A cheap check of a folded text (a decoded line): whether it holds every word of
        terms that together could make a directive."""
        _, _, _, passing = self._passing(view, view.encode("utf-8", "replace"))
        flags = 0
        for flag, _ in passing:
            flags |= flag
        return _worth_judging(flags)


_GateWord = tuple[str, str, str]  # (what to search, "word" | "prefix" | "substring", word set key)
# A position of a term, for checking a file's word set fast: exact words (word -> gate word),
# prefixes and literals (with the word set key a literal needs, b"" for CJK).
_Position = tuple[
    dict[bytes, _GateWord], tuple[tuple[bytes, _GateWord], ...], tuple[tuple[bytes, _GateWord], ...]
]
_NOT_LETTERS = bytes(c for c in range(256) if not (0x61 <= c <= 0x7A))
_DIGITS = b"0123456789"
# A long run of letters and digits (base64 or hex), in a view.
_LONG_RUN = re.compile(r"[0-9a-z+/]{16,}=*")
_BASE64_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz+/")


def _compile_position(position: Iterable[_GateWord]) -> _Position:
    exact: dict[bytes, _GateWord] = {}
    prefixes: list[tuple[bytes, _GateWord]] = []
    literals: list[tuple[bytes, _GateWord]] = []
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


MAX_MARKS = 32  # offsets remembered per line, for reading long lines in pieces
MAX_RUNS = 4096  # long letter-and-digit runs looked at per file


class _Marks:
    """What the gate saw in a view (lines end at "\n"): flags per line, and where."""

    def __init__(self, view: str, common: frozenset[str] = frozenset()) -> None:
        self.view = view
        self.common = common
        self.flags: dict[int, int] = {}
        self.offsets: dict[int, list[int]] = {}
        self._found: dict[re.Pattern[str], list[tuple[int, int]]] = {}

    def found(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """(line, offset) of each match of ``pattern``."""
        known = self._found.get(pattern)
        if known is None:
            known = []
            line = position = 0
            count = self.view.count
            for at in [m.start() for m in pattern.finditer(self.view)]:
                line += count("\n", position, at)
                position = at
                known.append((line, at))
            self._found[pattern] = known
        return known

    def flag(self, line: int, flag: int, at: int | None = None) -> None:
        self.flags[line] = self.flags.get(line, 0) | flag
        if at is not None:
            offsets = self.offsets.setdefault(line, [])
            if len(offsets) < MAX_MARKS:
                offsets.append(at)

    def add(self, pattern: re.Pattern[str], flag: int) -> None:
        for line, at in self.found(pattern):
            self.flag(line, flag, at)

    def add_term(
        self,
        present: Sequence[Sequence[_GateWord]],
        flag: int,
        locator: Callable[[str, str], re.Pattern[str]],
        only: Sequence[int] | None = None,
    ) -> None:
        """Flag the lines holding a gate word of every position of a term: the rarest position
        is searched in the whole view (or on the lines ``only``), the others only on the lines
        it was found on."""
        ordered = sorted(present, key=lambda position: _rarity(position, self.common), reverse=True)
        lines: dict[int, list[int]] = {}
        if only is not None:
            lines = {n: [self.offsets[n][0]] for n in only if self.offsets.get(n)}
            ordered = [[], *ordered]
        else:
            for word, kind, _ in ordered[0]:
                for line, at in self.found(locator(word, kind)):
                    lines.setdefault(line, []).append(at)
        for position in ordered[1:]:
            patterns = [locator(word, kind) for word, kind, _ in position]
            kept: dict[int, list[int]] = {}
            if len(lines) * len(patterns) > 32:
                # Many lines to check: search the whole view (cached) and intersect.
                for pattern in patterns:
                    for line, at in self.found(pattern):
                        if line in lines:
                            kept.setdefault(line, list(lines[line])).append(at)
            else:
                for line, offsets in lines.items():
                    start, end = self._line_of(offsets[0])
                    more = [m.start() for p in patterns if (m := p.search(self.view, start, end)) is not None]
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
        return self.view.rfind("\n", 0, at) + 1, _line_end(self.view, at, 0)

    def any(self, flag: int) -> bool:
        return any(f & flag for f in self.flags.values())

    def span(self, line: int) -> tuple[int, int]:
        """Start and end of a line in the view."""
        offsets = self.offsets.get(line)
        if offsets:
            at = offsets[0]
            return self.view.rfind("\n", 0, at) + 1, _line_end(self.view, at, 0)
        start = 0
        for _ in range(line):
            start = self.view.find("\n", start) + 1
            if start == 0:
                return len(self.view), len(self.view)
        return start, _line_end(self.view, start, 0)


def _rarity(position: Iterable[_GateWord], common: frozenset[str]) -> tuple[int, int]:
    """How rare a position's words are likely to be: none common, then the shortest long."""
    words = [w[2] or w[0] for w in position]
    return -sum(w in common for w in words), min(len(w) for w in words)


_WORD_GROUP = re.compile(r"\(([^()]*)\)")


def _words_out_of_groups(term: str) -> str:
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

    return " ".join(_WORD_GROUP.sub(spaced, term).split())


def gate_positions(term: str, common: frozenset[str] = frozenset()) -> tuple[frozenset[_GateWord], ...]:
    """The mandatory words of a term, each as the gate words of its spellings: a line on
    which the term matches holds one gate word of each position."""
    positions: list[frozenset[_GateWord]] = []
    for word in _split_words(_words_out_of_groups(term)):
        spellings = _expand_all(word)
        if spellings is None or any(not s for s in spellings):
            continue  # an optional word, or one with too many spellings
        if "(" not in word and "-" in word.strip("-"):
            # "ki-modell*": "ki" and "modell..." as two words, or "kimodell..." as one.
            pieces = [p for p in word.split("-") if p]
            joined = _gate_word("".join(pieces), common)
            for piece in pieces:
                own = _gate_word(piece, common)
                if own[0]:
                    positions.append(frozenset({own, joined}))
            continue
        gate_words: set[_GateWord] = set()
        for spelling in spellings:
            for form in {spelling, spelling.replace("'", " "), spelling.replace("'", "")}:
                gate_words.add(_gate_word(form, common))
        if gate_words and all(w[0] for w in gate_words):
            positions.append(frozenset(gate_words))
    return tuple(positions)


def _gate_word(spelling: str, common: frozenset[str] = frozenset()) -> _GateWord:
    """What the gate looks for to find ``spelling`` (one word of a term, maybe with spaces):
    (what to search, how, the word of the file's word set it needs).

    The gate splits a file's words at anything but letters, digits, "@", "$" and non-ASCII.
    A plain spelling is found by its longest piece, as a whole word, or as a prefix if the
    spelling ends in "*"; one with other characters ("<|im_start|>", "system:") or CJK as a
    literal substring.
    """
    bare = spelling.rstrip("*")
    pieces = [p for p in _GATE_SPLIT.split(bare) if p]
    if _NO_SPACES.search(bare) or _GATE_LITERAL.search(bare):
        literal = max(re.split(r"[\s\-]+", bare), key=len) if _NO_SPACES.search(bare) else bare
        key = max(pieces, key=len) if pieces else ""
        return literal, "substring", ("" if _NO_SPACES.search(key) else key)
    if not pieces:
        return "", "word", ""
    word = max(pieces, key=lambda p: (len(p) >= 3, p not in common, len(p)))
    # A prefix shorter than five letters ("gpt*") is looked for as a whole word.
    kind = "prefix" if spelling.endswith("*") and word == pieces[-1] and len(word) >= _START else "word"
    return word, kind, word


_GATE_SPLIT = re.compile(r"[^0-9a-z\u0080-\U0010ffff]+")
_GATE_LITERAL = re.compile(r"[^0-9a-z\u0080-\U0010ffff\s\-']")


LONG_LINE = 4000  # longer lines are read in pieces around what the gate saw
PIECE = 600  # characters read on each side of a mark in a long line


def _pieces(view: str, start: int, end: int, offsets: Sequence[int]) -> list[tuple[int, int]]:
    """The stretches of ``view[start:end]`` to read: all of it, or for a long line (minified
    code, a blob) the text around the marks, widened to whitespace (whole encoded runs)."""
    if end - start <= LONG_LINE or not offsets:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    for at in sorted(offsets):
        low = max(start, at - PIECE)
        high = min(end, at + PIECE)
        space = _WHITESPACE.search(view, high, min(end, high + normalize.MAX_DECODED))
        high = space.start() if space is not None else min(end, high + normalize.MAX_DECODED)
        if pieces and low <= pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(high, pieces[-1][1]))
        else:
            pieces.append((low, high))
    return pieces


_WHITESPACE = re.compile(r"\s")


def _encoded_pieces(line: str) -> list[tuple[int, int]]:
    """The stretches of an original line to decode: all of it, or for a long line the text
    around its encoded runs (each run whole, at most MAX_DECODED characters in all)."""
    if len(line) <= LONG_LINE:
        return [(0, len(line))]
    pieces: list[tuple[int, int]] = []
    budget = normalize.MAX_DECODED
    for run_start, run_end in normalize.encoded_spans(line):
        low, high = max(0, run_start - PIECE), min(len(line), run_end + PIECE)
        if pieces and low <= pieces[-1][1]:
            low = pieces.pop()[0]
            budget += 0
        budget -= high - low
        if budget < 0:
            break
        pieces.append((low, high))
    return pieces


def _worth_judging(flags: int) -> bool:
    """Whether words with these flags can make a directive: an addressee or firm intent, or
    an agent noun with a weak verdict word ("Hey model, this is safe")."""
    return bool(flags & _FIRM) or (flags & (_AGENT | _DISMISS)) == _AGENT | _DISMISS


class _Lines:
    """The original lines of a text, split only when one is needed."""

    def __init__(self, text: str, lines: Sequence[str] | None) -> None:
        self.text = text
        self.lines = lines

    def get(self, number: int) -> str:
        if self.lines is None:
            self.lines = self.text.splitlines()
        return self.lines[number] if 0 <= number < len(self.lines) else ""


def _line_end(view: str, at: int, more: int) -> int:
    """The end of the line holding ``at``, or of the ``more``-th line after it."""
    end = view.find("\n", at)
    while end >= 0 and more > 0:
        end = view.find("\n", end + 1)
        more -= 1
    return len(view) if end < 0 else end


def _column(line: str, folded_column: int) -> int:
    """The column of ``line`` whose folded form holds column ``folded_column`` of the folded line."""
    low, high = 0, len(line)
    while low < high:
        middle = (low + high) // 2
        if len(normalize.fold(line[: middle + 1])) <= folded_column:
            low = middle + 1
        else:
            high = middle
    return min(low, len(line))


# --- rules ----------------------------------------------------------------------------------


def compile_patterns(rule: RuleInfo) -> tuple[re.Pattern[str], ...]:
    raw = rule.data.get("patterns", [])
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'patterns' must be a list of strings")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise RuleError(f"{rule.origin}: rule '{rule.id}': bad pattern: {exc}") from exc


def _uses_lexicon(rule: RuleInfo) -> bool:
    value = rule.data.get("lexicon", False)
    if not isinstance(value, bool):
        raise RuleError(f"{rule.origin}: rule '{rule.id}': 'lexicon' must be true or false")
    return value


@cache
def _detector(patterns: tuple[re.Pattern[str], ...]) -> Detector:
    return Detector(lexicon(), patterns)


@cache
def _builtin_rules() -> tuple[RuleInfo, ...]:
    rules: list[RuleInfo] = []
    for name, text in builtin_rule_files():
        rules.extend(r for r in load_rule_file(name, text) if r.analyzer == NAME)
    return tuple(rules)


def _pattern_lines(
    text: str, lines: Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> dict[int, re.Match[str]]:
    """0-based line -> the match, on that line alone, of the first of ``patterns`` matching it.

    Each pattern is searched over the whole text (multi-line mode, line breaks made "\\n"),
    and a match only counts where the pattern matches its line by itself.
    """
    found: dict[int, tuple[int, re.Match[str]]] = {}
    views = [text.replace("\r\n", "\n").translate(_ODD_TO_NEWLINE)]
    if not text.isascii():
        views.append(normalize.fold(views[0]))
    for view in views:
        starts = [0, *(m.end() for m in re.finditer("\n", view))]
        view_lines = lines if view is views[0] else view.split("\n")
        for order, pattern in enumerate(patterns):
            multiline = re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
            position = 0
            while position <= len(view):
                match = multiline.search(view, position)
                if match is None:
                    break
                number = bisect.bisect_right(starts, match.start()) - 1
                if number < len(view_lines):
                    own = pattern.search(view_lines[number])
                    if own is not None and (number not in found or found[number][0] > order):
                        found[number] = (order, own)
                if number + 1 >= len(starts):
                    break
                position = starts[number + 1]
    return {n: m for n, (_, m) in found.items()}


def _first_line(text: str, broad: bool) -> str | None:
    best: int | None = None
    lines: list[str] | None = None
    for rule in _builtin_rules():
        patterns = compile_patterns(rule)
        if _uses_lexicon(rule):
            found = _detector(patterns).scan(text, broad=broad, first=True)
            if found and (best is None or found[0].line < best):
                best = found[0].line
        elif patterns:
            lines = lines if lines is not None else text.splitlines()
            numbers = _pattern_lines(text, lines, patterns)
            if numbers and (best is None or min(numbers) < best):
                best = min(numbers)
    if best is None:
        return None
    lines = lines if lines is not None else text.splitlines()
    return lines[best].strip() if best < len(lines) else ""


def find_directive(text: str) -> str | None:
    """The first line of ``text`` (stripped) that addresses AI reviewers, or None (strict)."""
    return _first_line(text, broad=False)


def aimed_at_reviewer(text: str) -> str | None:
    """The first line of ``text`` (stripped) holding text aimed at a model or reviewer that
    judges the code, or None (broad: triage must not let a model dismiss such code)."""
    return _first_line(text, broad=True)


class DirectiveAnalyzer:
    """Reports lines that try to steer model-based review."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code
    per_file = True  # one file at a time: the runner holds each to per_file_timeout

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return ALL_LANGUAGES

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        detectors: list[tuple[RuleInfo, Detector]] = []
        searched: list[tuple[RuleInfo, tuple[re.Pattern[str], ...]]] = []
        for rule in self.rules(context.rules):
            patterns = compile_patterns(rule)
            if _uses_lexicon(rule):
                detectors.append((rule, _detector(patterns)))
            elif patterns:
                searched.append((rule, patterns))
        findings: list[Finding] = []
        for source in files:
            found: list[Finding] = []
            for rule, detector in detectors:
                for directive in detector.scan(source.text, source.lines):
                    shown = (
                        source.lines[directive.line][directive.start : directive.end]
                        if directive.form == "text"
                        else directive.text
                    )
                    what = repr(shown) if directive.form == "text" else f"{directive.form}: {shown[:120]!r}"
                    found.append(
                        _finding(rule, source.path, directive.line, directive.start, directive.end, what)
                    )
            for rule, patterns in searched:
                for number, match in sorted(_pattern_lines(source.text, source.lines, patterns).items()):
                    found.append(
                        _finding(rule, source.path, number, match.start(), match.end(), repr(match.group(0)))
                    )
            found.sort(key=lambda f: (f.location.start_line, f.location.start_column, f.rule_id))
            findings.extend(found)
            context.progress(1)
        return AnalyzerOutput(tuple(findings))


def _finding(rule: RuleInfo, path: str, line: int, start: int, end: int, what: str) -> Finding:
    return Finding(
        rule_id=rule.id,
        cwe=rule.cwe,
        severity=rule.severity,
        confidence=rule.confidence,
        message=f"{rule.short_description} ({what})",
        location=Location(path, line + 1, start + 1, line + 1, max(end, start) + 1),
        analyzers=(NAME,),
    )
