"""The detector of the ``ai-directives`` analyzer (:mod:`vulnhound.models.directives`): which
lines of a text address AI reviewers, by addressee and intent.

A text is folded (:func:`vulnhound.models.normalize.fold`); the gate
(:mod:`vulnhound.models.directive_gate`) marks the lines worth reading; on those, the lexicon's
terms are found (:mod:`vulnhound.models.lexicon_regex`) and judged: strictly (an override or an
order, an addressee that is called followed by an intent, a fake chat turn, a role handed to
the reader) or broadly (an addressee near an intent within a few lines, a stated verdict). A
line may also be read despaced, unleeted, rot13-read or with its embedded encodings decoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vulnhound.models import normalize
from vulnhound.models.directive_gate import (
    AGENT,
    DISMISS,
    ENCODED,
    FIRM,
    FORMS,
    LEET,
    ROT13,
    SPACED,
    Gate,
    line_end,
    worth_judging,
)
from vulnhound.models.lexicon import ADDRESSEES, FIRM_INTENTS, HIT_CATEGORIES, INTENTS, WORD_CHAR_SET, Lexicon
from vulnhound.models.lexicon import letters as count_letters
from vulnhound.models.lexicon_regex import Classifier, HitFinder, words_regex

MAX_GAP = 200  # characters between an addressee and its intent
WINDOW = 3  # lines the broad check reads together

# Where an addressee opens a comment, a string or a sentence: the non-word characters before it
# hold one of these (or it starts the line).
_SEGMENT = frozenset("\"'`#/;<>!?.|:=-\n\u300c\u300e\u3010")
_TRAILING_GAP = re.compile(r"[\W_]*\Z")
# After an addressee: a model version ("GPT-4o-mini", "Llama 3.1 70B") then ":" or ",".
_VOCATIVE_TAIL = (
    "[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff]{0,8}"
    r"(?:[\s\-.]*(?:\d[\w.]*|o\d\w*|v\d[\w.]*|mini|turbo|pro|plus|max|flash|ultra|sonnet|opus|haiku|"
    r"instruct|chat|coder|preview|latest)(?![\w]))*[ \t]*(?:[:,;!]|--?\s)"
)
_ODD_BREAK = re.compile(r"[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Line breaks of str.splitlines other than "\n", made "\n" (same length).
ODD_TO_NEWLINE = str.maketrans({c: "\n" for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


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


class _Vocatives:
    """What makes an addressee spoken to: calls before it ("hey", "note to the"), openings
    ("to the", "для"), vocatives after it ("へ"), scopes ("reviewing this") and a colon or
    comma after its name. Each is only asked whether (and where) it matches."""

    def __init__(self, lex: Lexicon) -> None:
        def terms(category: str) -> str:
            return words_regex(lex.terms[category], ordered=False)

        articles = terms("article")
        self.call = re.compile(f"(?:{terms('call')})[\\s,:\\-]*(?:(?:{articles})[\\s,:\\-]*){{0,2}}\\Z")
        self.opening = re.compile(f"(?:{terms('opening')})[\\s\\-]*(?:(?:{articles})[\\s\\-]*){{0,2}}\\Z")
        self.after = re.compile(f"[ \\t]*(?:{terms('after')})")
        self.tail = re.compile(_VOCATIVE_TAIL)
        self.scope = re.compile(f"[\\s\\-]*(?:[^\\W\\d_]+[\\s\\-]+){{0,3}}?(?:{terms('scope')})")


class Detector:
    """The lexicon's matchers, and the rule's own patterns for the strict check.

    Only the gate is built at once; the matchers are compiled as texts need them."""

    def __init__(self, lex: Lexicon, patterns: Sequence[re.Pattern[str]] = ()) -> None:
        self.lexicon = lex
        self.patterns = tuple(patterns)
        self.gate = Gate(lex)
        self.finder = HitFinder([t for c in HIT_CATEGORIES for t in lex.terms[c]], budget=400)
        self.classify = Classifier([(c, lex.terms[c]) for c in HIT_CATEGORIES])
        self._vocatives: _Vocatives | None = None
        self._squeezed_matchers: tuple[HitFinder, Classifier] | None = None

    @property
    def vocatives(self) -> _Vocatives:
        if self._vocatives is None:
            self._vocatives = _Vocatives(self.lexicon)
        return self._vocatives

    # -- words -----------------------------------------------------------------------------

    def _squeezed(self) -> tuple[HitFinder, Classifier]:
        """Terms with their spaces optional and no word boundaries, for letters spaced out
        ("ignorepreviousinstructions"), and their categories; built when first needed."""
        if self._squeezed_matchers is None:
            lex = self.lexicon
            hits = [t for c in HIT_CATEGORIES for t in lex.terms[c] if count_letters(t) >= 4]
            finder = HitFinder(hits, budget=400, spaces_optional=True, bounded=False)
            categories = Classifier([(c, lex.terms[c]) for c in HIT_CATEGORIES], spaces_optional=True)
            self._squeezed_matchers = (finder, categories)
        return self._squeezed_matchers

    def hits(self, view: str, squeezed: bool = False) -> list[_Hit]:
        found: list[_Hit] = []
        finder, classify = self._squeezed() if squeezed else (self.finder, self.classify)
        for start, end in finder.spans(view):
            category = classify(view[start:end])
            if category is not None:
                found.append((start, end, category))
        return found

    def may_address(self, view: str) -> bool:
        """A cheap check of a folded text (a decoded line): whether it holds every word of
        terms that together could make a directive."""
        return worth_judging(self.gate.flags(view))

    # -- rules -----------------------------------------------------------------------------

    def _opens(self, view: str, start: int) -> bool:
        """Whether an addressee at ``start`` opens a comment, string, sentence or line
        (after an opening such as "to the" or "для", if any)."""
        low = max(0, start - 64)
        before = view[low:start]
        opened = self.vocatives.opening.search(before)
        if opened is not None and (opened.start() == 0 or before[opened.start() - 1] not in WORD_CHAR_SET):
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
        vocatives = self.vocatives
        before = view[max(0, start - 64) : start]
        if vocatives.call.search(before) is not None:
            return True, True
        if before.endswith("@") and category != "agent":
            return True, True
        if (
            vocatives.after.match(view, end) is not None
            or vocatives.scope.match(view, end, end + 80) is not None
        ):
            return True, True
        if vocatives.tail.match(view, end) is not None and self._opens(view, start):
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
            if count_letters(letters) < 6 or not self.gate.holds_known_word(letters):
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
            if flags & LEET:
                read = self._read(normalize.unleet(part), broad, False)
                if read is not None:
                    return "leet", read
            if flags & ROT13:
                read = self._read(normalize.rot13(part), broad, False)
                if read is not None:
                    return "rot13", read
            if flags & SPACED:
                read = self._read(part, broad, True)
                if read is not None:
                    return "despaced", read
        if flags & ENCODED:
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
            view = view.replace("\r\n", " \n").translate(ODD_TO_NEWLINE)
        marks = self.gate.mark(text, view, broad)
        flags = marks.flags
        original = _Lines(text, lines)
        same_offsets = text.isascii()
        found: dict[int, Directive] = {}
        for number in sorted(flags):
            line_flags = flags[number]
            start, end = marks.span(number)
            directive: Directive | None = None
            if broad and line_flags & (FIRM | DISMISS | AGENT):
                window_flags = 0
                for n in range(number, number + WINDOW):
                    window_flags |= flags.get(n, 0)
                if worth_judging(window_flags):
                    window_end = line_end(view, end, WINDOW - 1)
                    for low, high in _pieces(view, start, window_end, marks.offsets.get(number, ())):
                        span = self.judge(view[low:high], broad=True)
                        if span is None:
                            continue
                        at = number + view.count("\n", start, low + span[0])
                        line_start = view.rfind("\n", 0, low + span[0]) + 1
                        line_stop = line_end(view, low + span[0], 0)
                        directive = self._located(
                            original.get(at),
                            at,
                            (low + span[0] - line_start, min(low + span[1], line_stop) - line_start),
                            view[low + span[0] : low + span[1]],
                            same_offsets,
                        )
                        break
            elif worth_judging(line_flags):
                for low, high in _pieces(view, start, end, marks.offsets.get(number, ())):
                    span = self.judge(view[low:high])
                    if span is not None:
                        read = view[low + span[0] : low + span[1]]
                        span = (low - start + span[0], low - start + span[1])
                        directive = self._located(original.get(number), number, span, read, same_offsets)
                        break
            if directive is None and line_flags & FORMS:
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


class _Lines:
    """The original lines of a text, split only when one is needed."""

    def __init__(self, text: str, lines: Sequence[str] | None) -> None:
        self.text = text
        self.lines = lines

    def get(self, number: int) -> str:
        if self.lines is None:
            self.lines = self.text.splitlines()
        return self.lines[number] if 0 <= number < len(self.lines) else ""


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
