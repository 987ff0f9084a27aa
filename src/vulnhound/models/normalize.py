"""Text as a reader sees it, for detection: folded forms and decoded pieces of a text.

Detectors search these forms instead of the raw characters, so that disguised text reads as
what it says:

- :func:`fold`: compatibility decomposition (NFKD: fullwidth, mathematical, circled and other
  styled letters become plain ones), combining marks and invisible format characters
  (zero-width space and joiner, bidi controls, soft hyphen, word joiner, tag characters,
  variation selectors, fillers) removed, look-alike letters (Cyrillic, Greek, Armenian,
  Cherokee, small capitals, ... from ``rules/data/confusables.toml``) mapped to ASCII, lower
  case. An ASCII text folds to its lower case, offset for offset.
- :func:`despace`: letters spaced out (``i g n o r e``, ``I.G.N.O.R.E``, ``i-g-n-o-r-e``)
  written together.
- :func:`unleet`: ``0 1 3 4 5 7 @ $`` inside words read as ``o i e a s t a s``.
- :func:`rot13`.
- :func:`decode`: embedded encodings decoded in place: base64 and hex runs that decode to
  printable text, ``\\xNN`` / ``\\uNNNN`` escapes, %-encoding, quoted-printable, HTML
  entities and Unicode tag characters (invisible ASCII).

Every form keeps the line structure of its input: a form of a text has as many lines as the
text, and line ``n`` of the form comes from line ``n`` of the text (decoded line breaks become
spaces). All of it is linear in the size of the input; decoding is capped (:data:`MAX_DECODED`).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import tomllib
import unicodedata
import urllib.parse
from collections.abc import Callable
from functools import cache
from importlib import resources

MAX_DECODED = 1 << 18  # characters that decoding may produce for one text, all pieces together
MIN_BASE64 = 16  # shortest base64 run worth decoding
MIN_HEX = 16  # shortest run of hex digits worth decoding

# Invisible characters that are not of category Cf, Mn or Me: fillers and blanks.
_INVISIBLE = "\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0"
# Characters that read as a space, a quote or a dash.
_PUNCTUATION = {
    "\u2800": " ",  # braille blank
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u0060": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2043": "-",
    "\u30fb": " ",
    "\u3001": ",",
    "\u3002": ".",
    "\uff0c": ",",
    "\uff1a": ":",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Where str.splitlines breaks lines.
LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@cache
def confusables() -> dict[str, str]:
    """Look-alike character -> the ASCII character it imitates, from the data file."""
    text = resources.files("vulnhound.rules").joinpath("data", "confusables.toml").read_text("utf-8")
    table = tomllib.loads(text).get("confusables", {})
    mapping: dict[str, str] = {}
    for target, sources in table.items():
        for char in str(sources):
            mapping.setdefault(char, str(target))
    return mapping


class _FoldTable(dict[int, str | None]):
    """The translate table of :func:`fold`, for text already decomposed and lower-cased,
    filled in as characters are met (a table of every character would take long to build):
    punctuation that reads as a space, quote or dash becomes it; invisible characters,
    combining marks and format characters are removed; look-alike letters become the ASCII
    letters they imitate."""

    def __init__(self) -> None:
        super().__init__()
        self.look_alikes: dict[int, str] = {}
        for char, target in confusables().items():
            # Text is lower-cased before this table applies: the lower case of a look-alike
            # capital (Cyrillic capital En -> small en) maps as the capital does, so folding
            # stays consistent.
            for form in (char, char.lower()):
                if len(form) == 1 and not form.isascii():
                    self.look_alikes.setdefault(ord(form), target.lower())

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value: str | None
        if char in _PUNCTUATION:
            value = _PUNCTUATION[char]
        elif char in _INVISIBLE or (
            # Combining marks and format characters live in planes 0, 1 and 14.
            (0x80 <= code < 0x20000 or 0xE0000 <= code < 0xE1000)
            and unicodedata.category(char) in ("Mn", "Me", "Cf")
        ):
            value = None
        else:
            value = self.look_alikes.get(code, char)
        self[code] = value
        return value


@cache
def _fold_table() -> dict[int, str | None]:
    return _FoldTable()


def fold(text: str) -> str:
    """``text`` as the letters it shows: see the module documentation. Keeps line breaks."""
    if text.isascii():
        return text.lower()
    lowered = unicodedata.normalize("NFKD", text).lower()
    if len(lowered) < 256:
        return lowered.translate(_fold_table())
    # Mostly ASCII, as code is: translate the non-ASCII runs only (translating with a big
    # table costs a dictionary lookup per character).
    table = _fold_table()
    return _NON_ASCII.sub(lambda m: m.group(0).translate(table), lowered)


# --- spaced-out letters -------------------------------------------------------------------

# Three or more single letters or digits, each pair separated by the same short run of
# separators: "i g n o r e", "I.G.N.O.R.E", "a-l-l".
SPACED = re.compile(r"(?<![^\W_])[^\W_](?P<sep>[ .*\-/|~+:]{1,3})[^\W_](?:(?P=sep)[^\W_])+(?![^\W_])")
_NOT_LETTER = re.compile(r"[\W_]+")


def spaced_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, letters) of each spaced-out run of ``text``."""
    return [(m.start(), m.end(), _NOT_LETTER.sub("", m.group(0))) for m in SPACED.finditer(text)]


def despace(text: str) -> str:
    """``text`` with spaced-out letters written together: "i g n o r e   t h i s" -> "ignore   this"."""
    return SPACED.sub(lambda m: _NOT_LETTER.sub("", m.group(0)), text)


# --- leetspeak and rot13 --------------------------------------------------------------------

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_TABLE = str.maketrans(LEET)
# A word with at least two letters and at least one leet character.
_LEET_WORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[^\W\d_][\w@$]*[^\W\d_])(?=[\w@$]*[013457@$])[\w@$]+")


def unleet(text: str) -> str:
    """``text`` with leet characters inside words read as letters: "1gn0r3" -> "ignore"."""
    return _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET_TABLE), text)


_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM",
)


def rot13(text: str) -> str:
    return text.translate(_ROT13)


# --- embedded encodings ---------------------------------------------------------------------

_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{" + str(MIN_BASE64) + r",}={0,2}(?![A-Za-z0-9+/=_-])"
)
_HEX = re.compile(
    r"(?<![0-9A-Fa-f])(?:(?:[0-9A-Fa-f]{2}){"
    + str(MIN_HEX // 2)
    + r",}|(?:[0-9A-Fa-f]{2}[ :,]){"
    + str(MIN_HEX // 2 - 1)
    + r",}[0-9A-Fa-f]{2})(?![0-9A-Fa-f])"
)
_X_ESCAPES = re.compile(r"(?:\\x[0-9A-Fa-f]{2})+")
_U_ESCAPES = re.compile(r"(?:\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\u\{[0-9A-Fa-f]{1,6}\})+")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){2,}")
_PERCENT_ONE = re.compile(r"%[0-9A-Fa-f]{2}")
_QUOTED_PRINTABLE = re.compile(r"(?:=[0-9A-F]{2}){3,}")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_ANY_ENCODING = re.compile(
    r"[A-Za-z0-9+/_-]{"
    + str(MIN_BASE64)
    + r"}|[0-9A-Fa-f]{2}[ :,]?[0-9A-Fa-f]{2}|\\[xuU]|%[0-9A-Fa-f]{2}|=[0-9A-F]{2}|&#?\w+;|[\U000e0000-\U000e007f]"
)


def _printable(data: bytes) -> str | None:
    """``data`` as text when it is UTF-8 that reads as text, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    shown = sum(1 for c in text if c.isprintable() or c in "\t\n\r")
    letters = sum(1 for c in text if c.isalpha())
    if shown < len(text) * 0.95 or letters < max(2, len(text) // 4):
        return None
    return text


def _one_line(text: str) -> str:
    return LINE_BREAKS.sub(" ", text)


def _from_base64(run: str) -> str | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        body = body[:-1]
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            data = base64.urlsafe_b64decode(padded)
        else:
            data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _printable(data)


def _from_hex(run: str) -> str | None:
    digits = re.sub(r"[ :,]", "", run)
    try:
        return _printable(bytes.fromhex(digits))
    except ValueError:
        return None


def decodes(run: str) -> bool:
    """Whether a run of letters and digits decodes (base64 or hex) to printable text."""
    if len(run) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in run):
        return _from_hex(run) is not None
    return _from_base64(run) is not None


def _from_x_escapes(run: str) -> str:
    data = bytes(int(run[i + 2 : i + 4], 16) for i in range(0, len(run), 4))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _from_u_escapes(run: str) -> str:
    units: list[int] = []
    for match in re.finditer(r"\\u\{([0-9A-Fa-f]+)\}|\\U([0-9A-Fa-f]{8})|\\u([0-9A-Fa-f]{4})", run):
        value = int(match.group(1) or match.group(2) or match.group(3), 16)
        units.append(min(value, 0x10FFFF))
    # Surrogate pairs (JSON, JavaScript) combine into one character.
    chars: list[str] = []
    index = 0
    while index < len(units):
        unit = units[index]
        if 0xD800 <= unit < 0xDC00 and index + 1 < len(units) and 0xDC00 <= units[index + 1] < 0xE000:
            chars.append(chr(0x10000 + ((unit - 0xD800) << 10) + (units[index + 1] - 0xDC00)))
            index += 2
            continue
        chars.append("\ufffd" if 0xD800 <= unit < 0xE000 else chr(unit))
        index += 1
    return "".join(chars)


def _from_quoted_printable(run: str) -> str:
    data = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    return data.decode("utf-8", "replace")


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, text: str | None) -> str | None:
        if text is None or len(text) > self.left:
            return None
        self.left -= len(text)
        return text


def _substitute(
    pattern: re.Pattern[str], text: str, decoder: Callable[[str], str | None], budget: _Budget
) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = budget.take(decoder(match.group(0)))
        return match.group(0) if decoded is None else _one_line(decoded)

    return pattern.sub(replace, text)


def decode(text: str, limit: int = MAX_DECODED) -> str | None:
    """``text`` with its embedded encodings decoded in place, or None when it has none.

    Two rounds, so that an encoding inside another (base64 of %-encoded text) is read too;
    at most ``limit`` decoded characters in all.
    """
    if _ANY_ENCODING.search(text) is None:
        return None
    budget = _Budget(limit)
    current = text
    for _ in range(2):
        before = current
        if not current.isascii():
            current = _TAGS.sub(
                lambda m: budget.take("".join(chr(ord(c) - 0xE0000) for c in m.group(0))) or "", current
            )
        current = _substitute(_BASE64, current, _from_base64, budget)
        current = _substitute(_HEX, current, _from_hex, budget)
        current = _substitute(_X_ESCAPES, current, _from_x_escapes, budget)
        current = _substitute(_U_ESCAPES, current, _from_u_escapes, budget)
        current = _substitute(_QUOTED_PRINTABLE, current, _from_quoted_printable, budget)
        if _PERCENT_ONE.search(current) is not None:
            current = _keep_lines(current, urllib.parse.unquote)
        if _ENTITY.search(current) is not None:
            current = _keep_lines(current, html.unescape)
        if current == before or budget.left <= 0:
            break
    return None if current == text else current


def encoded_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of ``text`` that :func:`decode` would try to decode, in order."""
    spans: list[tuple[int, int]] = []
    for pattern in (_BASE64, _HEX, _X_ESCAPES, _U_ESCAPES, _PERCENT, _QUOTED_PRINTABLE, _ENTITY, _TAGS):
        spans.extend(m.span() for m in pattern.finditer(text))
    return sorted(spans)


def _keep_lines(text: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` line by line, so that decoded line breaks cannot add lines."""
    parts = LINE_BREAKS.split(text)
    breaks = LINE_BREAKS.findall(text)
    out: list[str] = []
    for index, part in enumerate(parts):
        out.append(_one_line(transform(part)))
        if index < len(breaks):
            out.append(breaks[index])
    return "".join(out)


def variants(text: str) -> list[str]:
    """The forms of ``text`` to search, folded, each with the line structure of ``text``:
    the folded text, then (where they differ from it) its despaced, unleeted and rot13 forms,
    and the folded text with embedded encodings decoded (and that, despaced)."""
    base = fold(text)
    found = [base]
    for form in (despace(base), unleet(base), rot13(base)):
        if form not in found:
            found.append(form)
    decoded = decode(text)
    if decoded is not None:
        for form in (fold(decoded), despace(fold(decoded))):
            if form not in found:
                found.append(form)
    return found
