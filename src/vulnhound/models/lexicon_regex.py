"""Regular expressions of lexicon terms (:mod:`vulnhound.models.lexicon`), compiled lazily.

A set of terms becomes a trie of regex pieces, so that terms starting alike are tried together
and the longest continuation first (:func:`words_regex`). Latin, Greek and Cyrillic terms
match whole words: a boundary before the trie, and one after each term ending in a word
character.

Compiling is what costs: ``re`` builds a 64K-entry map for every character class reaching
beyond Latin-1, such as the word characters, and parses tens of kilobytes of pattern for the
whole lexicon. So

- the boundary after the terms of a trie is written once, after it (which keeps its matches:
  see :func:`_shared_end`);
- :class:`HitFinder` finds the terms of a text as one regex of all of them would, but for its
  first texts compiles only the branches of the trie whose words a text holds, with ASCII
  classes of word characters where that finds the same (see :func:`_ascii`);
- :class:`Classifier` tells the category of a term found, compiling only the terms whose
  words it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from vulnhound.models.lexicon import WORD_CHAR_SET, WORD_CHARS, expand_first, no_spaces, required_literals

_L = WORD_CHARS
_TAIL = f"(?![{_L}])"  # the right boundary after a term ending in a word character
_BEFORE = f"(?<![{_L}])"  # the left boundary before a trie of terms starting with one
_STAR = f"[{_L}]*"  # a final "*"


# --- pieces of terms ------------------------------------------------------------------------


def _space(term: str, index: int, optional: bool, cheap: bool) -> str:
    """The regex for the space at ``term[index]``: optional next to CJK characters.

    ``cheap`` regexes (for classifying words already found) avoid character classes, which
    are slow to compile."""
    before = term[index - 1] if index > 0 else ""
    after = term[index + 1] if index + 1 < len(term) else ""
    many = "*" if optional or no_spaces(before) or no_spaces(after) else "+"
    return f"(?:\\s|-){many}" if cheap else f"[\\s\\-]{many}"


_ESCAPED: dict[str, str] = {}  # re.escape of plain characters, as met


def _char(term: str, index: int, spaces_optional: bool, cheap: bool = False) -> str:
    char = term[index]
    if char not in " -'*":
        escaped = _ESCAPED.get(char)
        if escaped is None:
            escaped = _ESCAPED[char] = re.escape(char)
        return escaped
    if char == " ":
        return _space(term, index, spaces_optional, cheap)
    if char == "-":
        return "(?:\\s|-)?" if cheap else r"[\s\-]?"
    if char == "'":
        return "'?"
    if index != len(term) - 1:  # "*"
        raise ValueError("'*' may only end a term or an alternative")
    return "\\w*" if cheap else _STAR


def _tail(text: str) -> str:
    """The right boundary after ``text``: whole words for Latin, Greek and Cyrillic."""
    if text and not text.endswith("*") and text[-1] in WORD_CHAR_SET:
        return _TAIL
    return ""


def _atoms(term: str, spaces_optional: bool = False, bounded: bool = True) -> Iterator[str]:
    """The regex pieces of one term (its first group already expanded), for a trie."""
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
                    yield f"(?:{group}{_space(term, close + 1, spaces_optional, not bounded)})?"
                    index = close + 2
                    continue
                group += "?"
            yield group
            index = close + 1
            continue
        escaped = _ESCAPED.get(term[index])  # a plain character, usually
        yield escaped if escaped is not None else _char(term, index, spaces_optional, not bounded)
        index += 1
    if bounded and not term.endswith(")"):
        tail = _tail(term)
        if tail:
            yield tail


def _ends(term: str) -> set[str]:
    """How the matches of a (bounded) term end: "tail" (in a word character, which no word
    character may follow), "open" (in another character), "star" (a run of word characters),
    "unsure" (a "'", "-" or group that may be absent: not with the term's last character)."""
    alternatives = [term]
    if term.endswith(")") and "(" in term:
        alternatives = term[term.rindex("(") + 1 : -1].split("|")
    kinds: set[str] = set()
    for alternative in alternatives:
        if not alternative or alternative[-1] in " -'":
            kinds.add("unsure")
        elif alternative.endswith("*"):
            kinds.add("star")
        else:
            kinds.add("tail" if _tail(alternative) else "open")
    return kinds


def _shared_end(ends: set[str]) -> str | None:
    """What may follow a trie of terms ending so (see :func:`_ends`) in place of each term's
    own right boundary, or None when they cannot be left out.

    A term's boundary is checked right after its last piece, which nothing follows in the
    trie: checking it right after the trie instead explores the same paths in the same order.
    It must then tell by the match alone whether it ends a term with a boundary: by its last
    character, a word character or not. A run of word characters ("star") ends where no
    word character follows anyway."""
    if "unsure" in ends:
        return None
    if "tail" not in ends:
        return ""
    return f"(?:(?<![{_L}])|{_TAIL})" if "open" in ends else _TAIL


# --- tries ----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)  # the terms ending here
    count: int = 0  # terms here and below, once counted

    def insert(self, atoms: Iterable[str], term: str) -> None:
        node = self
        for atom in atoms:
            child = node.children.get(atom)
            if child is None:
                child = node.children[atom] = _Node()
            node = child
        node.terms.append(term)

    def all_terms(self) -> list[str]:
        return [*self.terms, *(t for child in self.children.values() for t in child.all_terms())]

    def counted(self) -> int:
        self.count = len(self.terms) + sum(child.counted() for child in self.children.values())
        return self.count


def _emit(node: _Node, shared: bool) -> str:
    """The regex of a trie node: its branches in order, the end of a term last. With
    ``shared``, the terms' right boundaries are left out (for :func:`_shared_end`)."""
    branches = [
        (atom.replace(_TAIL, "") if shared else atom) + _emit(child, shared)
        for atom, child in node.children.items()
    ]
    if node.terms:
        return f"(?:{'|'.join(branches)})?" if branches else ""
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _subtree_regex(node: _Node, ends: set[str]) -> str:
    """The regex of ``node`` and below, its terms' right boundaries written once if they can."""
    end = _shared_end(ends)
    if end is None:
        return f"(?:{_emit(node, False)})"
    return f"(?:{_emit(node, True)}){end}"


def _variants(terms: Iterable[str], bounded: bool = True, budget: int = 0) -> Iterator[tuple[bool, str]]:
    """(starts with a word character, variant) of each term, its first group expanded when
    that repeats at most ``budget`` characters."""
    for term in terms:
        for variant in expand_first(term, budget):
            if variant:
                first = variant[1:].split("|")[0] if variant.startswith("(") else variant
                yield bounded and first[:1] in WORD_CHAR_SET, variant


def words_regex(
    terms: Iterable[str],
    spaces_optional: bool = False,
    bounded: bool = True,
    budget: int = 0,
    ordered: bool = True,
) -> str:
    """One regex matching any of ``terms`` (folded), longest continuation first.

    Terms starting with a group have it expanded when that repeats at most ``budget``
    characters (tries merge expanded terms, which makes matching faster and the regex longer).
    All terms are in one trie (two: those starting with a word character need a boundary
    before), so that the longest term wins wherever they start alike.

    Without ``ordered`` (for regexes only asked whether and where they match, not which term
    does), terms whose match may end otherwise than with their last character ("l'") are in
    tries of their own, so that the others' boundaries are written once.
    """
    groups = [list(terms)]
    if not ordered and bounded:
        unsure = {t for t in groups[0] if "unsure" in _ends(t)}
        groups = [[t for t in groups[0] if t not in unsure], [t for t in groups[0] if t in unsure]]
    parts = []
    for group in groups:
        tries: dict[bool, tuple[_Node, set[str]]] = {}
        for starts_word, variant in _variants(group, bounded, budget):
            root, ends = tries.setdefault(starts_word, (_Node(), set()))
            root.insert(_atoms(variant, spaces_optional, bounded), variant)
            ends |= _ends(variant) if bounded else {"open"}
        for starts_word in sorted(tries):
            root, ends = tries[starts_word]
            parts.append((_BEFORE if starts_word else "") + _subtree_regex(root, ends))
    return "|".join(parts) if parts else "(?!)"


# --- the terms of a text, a piece of the lexicon at a time ----------------------------------

BLOCK_TERMS = 16  # a trie branch with more terms than this is split into its own branches
MIN_PREFIX = 3  # ... and one whose plain characters are fewer than this, if it branches
WHOLE_AFTER = 64  # texts searched by blocks before the whole trie is compiled
_PLAIN_ATOM = re.compile(r"\\[^0-9A-Za-z]|[^\\\[\](){}|?*+.^$]", re.DOTALL)


def _plain(atom: str) -> str | None:
    """The character an atom matches when it is a plain character, else None."""
    if _PLAIN_ATOM.fullmatch(atom) is None:
        return None
    return atom[-1] if atom.startswith("\\") else atom


def _literals(terms: Iterable[str]) -> frozenset[str] | None:
    """Strings one of which every match of one of ``terms`` holds; None when unknown."""
    found: set[str] = set()
    for term in terms:
        literals = required_literals(term)
        if literals is None:
            return None
        found |= literals
    return frozenset(found)


class _Needs:
    """What every match of some terms starts with, and strings one of which it holds."""

    prefix: str

    def terms(self) -> list[str]:
        raise NotImplementedError

    @cached_property
    def literals(self) -> frozenset[str] | None:
        return _literals(self.terms())

    def may_match(self, text: str) -> bool:
        if self.prefix not in text:
            return False
        literals = self.literals
        return literals is None or any(literal in text for literal in literals)


class _Block(_Needs):
    """The terms below a path of plain characters in a trie (and below the piece after it,
    if any), as a regex compiled when first needed.

    It is searched for with its word characters written as ASCII ones (a class quick to
    compile, see :func:`_ascii`); where that match could differ from the regex's own, next to
    a non-ASCII word character, the regex itself is compiled and searched."""

    def __init__(self, before: str | None, lead: str, prefix: str, piece: str, node: _Node) -> None:
        self.before = before  # the left boundary of the trie, if any; None: terms unbounded
        self.lead = lead  # the regex of the path
        self.prefix = prefix  # what the path matches
        self.piece = piece
        self.node = node  # what follows the path (and the piece)
        self._quick: re.Pattern[str] | None = None
        self._exact: re.Pattern[str] | None = None

    def terms(self) -> list[str]:
        return self.node.all_terms()

    @cached_property
    def regex(self) -> str:
        ends: set[str] = {"open"}
        if self.before is not None:
            for term in self.terms():
                ends |= _ends(term)
        node = self.node
        if self.piece:
            node = _Node({self.piece: self.node})
        if self.before and self.lead:
            # After the path, so that re finds the path by a literal search.
            return f"{self.lead}(?<![{_L}]{self.lead}){_subtree_regex(node, ends)}"
        return f"{self.before or ''}{self.lead}{_subtree_regex(node, ends)}"

    def search(self, text: str, position: int) -> re.Match[str] | None:
        """The first match at or after ``position``, as ``re.compile(self.regex)`` finds it."""
        if self._quick is None:
            quick = all(map(_stars_end, self.terms()))
            self._quick = re.compile(_ascii(self.regex) if quick else self.regex)
        match = self._quick.search(text, position)
        if match is None or self._quick.pattern == self.regex or not _doubtful(text, match):
            return match
        if self._exact is None:
            self._exact = re.compile(self.regex)
        return self._exact.search(text, match.start())


_WORD_CLASS = f"[{_L}]"


def _ascii(regex: str) -> str:
    """``regex`` with its classes of word characters made their ASCII part.

    It matches wherever ``regex`` does (its boundaries hold more often, its runs of word
    characters stop sooner), first where ``regex`` first does or before; there, it finds what
    ``regex`` finds unless the match is next to a non-ASCII word character (:func:`_doubtful`):
    the boundaries it checked and failed also fail with all word characters, the one it
    passed last is at the end of the match, and a run of word characters ends a match."""
    return regex.replace(_WORD_CLASS, "[0-9a-z_]")


def _stars_end(term: str) -> bool:
    """Whether a term's runs of word characters (a "*") end its matches, as :func:`_ascii`
    needs: "*" ends the term or an alternative of its last group."""
    head = term[: term.rindex("(")] if term.endswith(")") and "(" in term else term[:-1]
    return "*" not in head


def _doubtful(text: str, match: re.Match[str]) -> bool:
    """Whether a non-ASCII word character before ``match``, after it, or last in it with a
    word character after, could make the regex with all word characters differ."""
    start, end = match.span()
    if start > 0 and text[start - 1] >= "\x80" and text[start - 1] in WORD_CHAR_SET:
        return True
    if end >= len(text) or text[end] not in WORD_CHAR_SET:
        return False
    return text[end] >= "\x80" or (end > start and text[end - 1] >= "\x80" and text[end - 1] in WORD_CHAR_SET)


class _Branch(_Needs):
    """The terms starting with one piece, in a trie of their own split into blocks when a
    text first holds what one of them needs."""

    def __init__(self, before: str | None, piece: str, spaces_optional: bool) -> None:
        self.before = before  # as for blocks
        self.piece = piece
        self.spaces_optional = spaces_optional
        self.prefix = _plain(piece) or ""
        self.variants: list[str] = []
        self._blocks: list[_Block] | None = None

    def terms(self) -> list[str]:
        return self.variants

    def blocks(self) -> list[_Block]:
        if self._blocks is None:
            root = _Node()
            for variant in self.variants:
                root.insert(_atoms(variant, self.spaces_optional, self.before is not None), variant)
            root.counted()
            self._blocks = []
            _split(self._blocks, self.before, root, "", "")
        return self._blocks


def _split(blocks: list[_Block], before: str | None, node: _Node, lead: str, prefix: str) -> None:
    """The blocks of ``node`` (reached by the plain characters ``lead``, matching ``prefix``),
    in the trie's order: big branches through plain characters are split further, so that a
    block's path is telling and its regex small."""
    for piece, child in node.children.items():
        char = _plain(piece)
        if char is None:
            blocks.append(_Block(before, lead, prefix, piece, child))
        elif child.children and (child.count > BLOCK_TERMS or len(prefix) + 1 < MIN_PREFIX):
            _split(blocks, before, child, lead + piece, prefix + char)
        else:
            blocks.append(_Block(before, lead + piece, prefix + char, "", child))
    if node.terms and lead:
        blocks.append(_Block(before, lead, prefix, "", _Node(terms=node.terms)))


class HitFinder:
    """Finds the terms of a lexicon in a text as ``words_regex(terms, budget=...)`` would
    (``finditer``: leftmost first; where several start at one place, the trie's choice).

    The first texts are searched with the trie split into blocks, each compiled the first
    time a text holds what its terms need; once many texts are searched, the whole trie is
    compiled into one regex, which costs more at once and less per text. Splitting a regex
    ``P(?:A|B|)`` into ``PA``, ``PB`` and ``P`` keeps its matches when ``P`` is plain
    characters: where any block first matches, the first block (in trie order) matching there
    finds what the whole regex would.
    """

    def __init__(
        self,
        terms: Iterable[str],
        budget: int = 0,
        spaces_optional: bool = False,
        bounded: bool = True,
        whole_after: int = WHOLE_AFTER,
    ) -> None:
        self.terms = tuple(terms)
        self.budget = budget
        self.spaces_optional = spaces_optional
        self.bounded = bounded
        self.whole_after = whole_after
        self.searched = 0  # texts searched by blocks
        self._branches: list[_Branch] | None = None
        self._whole: re.Pattern[str] | None = None

    @property
    def branches(self) -> list[_Branch]:
        """The branches of the roots of the tries, in order."""
        if self._branches is None:
            roots: dict[bool, dict[str, _Branch]] = {}
            for starts_word, variant in _variants(self.terms, self.bounded, self.budget):
                piece = next(_atoms(variant, self.spaces_optional, self.bounded))
                branches = roots.setdefault(starts_word, {})
                branch = branches.get(piece)
                if branch is None:
                    before = (_BEFORE if starts_word else "") if self.bounded else None
                    branch = branches[piece] = _Branch(before, piece, self.spaces_optional)
                branch.variants.append(variant)
            self._branches = [b for k in sorted(roots) for b in roots[k].values()]
        return self._branches

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each term found in ``text``, in order, not overlapping."""
        if self._whole is None and self.searched >= self.whole_after:
            self._whole = re.compile(words_regex(self.terms, self.spaces_optional, self.bounded, self.budget))
            self._branches = None
        if self._whole is not None:
            return [m.span() for m in self._whole.finditer(text)]
        self.searched += 1
        blocks = [
            block
            for branch in self.branches
            if branch.may_match(text)
            for block in branch.blocks()
            if block.may_match(text)
        ]
        upcoming = [block.search(text, 0) for block in blocks]
        found: list[tuple[int, int]] = []
        position = 0
        while True:
            best: re.Match[str] | None = None
            for index, match in enumerate(upcoming):
                if match is not None and match.start() < position:
                    match = upcoming[index] = blocks[index].search(text, position)
                if match is not None and (best is None or match.start() < best.start()):
                    best = match
            if best is None:
                return found
            found.append(best.span())
            # Every term holds a mandatory word: no match is empty.
            position = max(best.end(), best.start() + 1)


class Classifier:
    """The category of a word found by a :class:`HitFinder`: the first category (in the
    given order) one of whose terms matches the whole word, "-" and spaces alike (or absent,
    with ``spaces_optional``), a final "*" running on over any word characters.

    A term's regex is compiled the first time a word holds what that term needs."""

    LONG = 64  # longer words are checked for each string a term needs

    def __init__(
        self, categories: Sequence[tuple[str, Sequence[str]]], spaces_optional: bool = False
    ) -> None:
        self.spaces_optional = spaces_optional
        self.names = [name for name, _ in categories]
        # What a term needs -> (category index, term); terms that need nothing known apart.
        self.needing: dict[str, list[tuple[int, str]]] = {}
        self.anyway: list[tuple[int, str]] = []
        for index, (_, terms) in enumerate(categories):
            for term in terms:
                literals = required_literals(term)
                if literals is None:
                    self.anyway.append((index, term))
                for literal in literals or ():
                    self.needing.setdefault(literal, []).append((index, term))
        self.lengths = sorted({len(literal) for literal in self.needing})
        self.patterns: dict[str, re.Pattern[str]] = {}
        self.memo: dict[str, str | None] = {}

    def __call__(self, word: str) -> str | None:
        if word in self.memo:
            return self.memo[word]
        found = None
        for index, term in sorted(self._candidates(word)):
            pattern = self.patterns.get(term)
            if pattern is None:
                regex = words_regex([term], spaces_optional=self.spaces_optional, bounded=False)
                pattern = self.patterns[term] = re.compile(regex)
            if pattern.fullmatch(word):
                found = self.names[index]
                break
        if len(self.memo) > 100_000:
            self.memo.clear()
        self.memo[word] = found
        return found

    def _candidates(self, word: str) -> set[tuple[int, str]]:
        """The terms whose needed string ``word`` holds."""
        found = set(self.anyway)
        needing = self.needing
        if len(word) > self.LONG:
            for literal, terms in needing.items():
                if literal in word:
                    found.update(terms)
            return found
        for start in range(len(word)):
            for length in self.lengths:
                if start + length > len(word):
                    break
                found.update(needing.get(word[start : start + length], ()))
        return found
