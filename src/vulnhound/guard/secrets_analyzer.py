"""The ``secrets`` analyzer: hard-coded credentials (CWE-798) in every language read.

It runs the detector the egress guard redacts with, so what the guard hides from models
is what a normal offline scan reports. Messages show a masked form, never the secret.

Redaction must hide anything that may be a secret; a report must be worth reading. So the
analyzer judges each match the detector found (redaction never asks) -- see ``_judge``:

- values that are no secret are dropped: a value naming itself (``TOKEN_COMMENT = "comment"``),
  identifiers and constants (``"_sa_default"``, ``"DEFAULT"``, ``"set-password"``), format
  templates (``"%s"``), comparisons with a word (``token == "#bygroup"``);
- documentation (Python docstrings and comments, comment lines elsewhere) is reported at low
  confidence, and not at all when the value or account is a well-known example
  (``scott:tiger``, ``password="test"``); key-shaped tokens (AWS, GitHub, private keys) keep
  their confidence there, since a real key in a comment has leaked all the same;
- example and placeholder-like values (``fake-key``, ``your_client_secret``, ``12345678``)
  and plain words on key/token names are low confidence elsewhere;
- test code is still reported (a key in a fixture leaks with the repository): generic
  credentials at low confidence, key-shaped tokens one step lower than elsewhere.

Output is bounded and the work linear: a snippet quotes at most SNIPPET_CONTEXT characters
on each side of the match (every secret on it masked, "…" where cut), the same credential
repeated on a line is one finding, and a line reports at most MAX_PER_LINE findings.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.code_context import ContextRules
from vulnhound.findings import CodeContext, Confidence, Finding, Location
from vulnhound.guard.secrets import Intervals, SecretDetector, SecretMatch
from vulnhound.languages import ALL_LANGUAGES
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import SourceFile

NAME = "secrets"

_LABELS = {
    "private-key": "private key",
    "aws-access-key-id": "AWS access key id",
    "aws-secret-access-key": "AWS secret access key",
    "github-token": "GitHub token",
    "gitlab-token": "GitLab token",
    "slack-token": "Slack token",
    "slack-webhook": "Slack webhook URL",
    "stripe-key": "Stripe key",
    "google-api-key": "Google API key",
    "jwt": "JSON Web Token",
    "bearer-token": "bearer token",
    "basic-auth": "HTTP basic credentials",
    "url-password": "password in a URL",
    "password-assignment": "credential",
    "config-assignment": "credential",
    "high-entropy-string": "high-entropy string",
    "npm-token": "npm token",
    "pypi-token": "PyPI token",
    "sendgrid-key": "SendGrid key",
    "twilio-key": "Twilio API key",
    "mailgun-key": "Mailgun key",
    "anthropic-key": "Anthropic API key",
    "openai-key": "OpenAI API key",
    "huggingface-token": "Hugging Face token",
    "service-token": "service token",
    "telegram-bot-token": "Telegram bot token",
    "discord-webhook": "Discord webhook URL",
    "azure-client-secret": "Azure client secret",
    "url-parameter": "credential in a URL or connection string",
    "password-argument": "password argument",
    "cli-password": "password on a command line",
    "netrc-password": "netrc password",
    "pgpass-password": "pgpass password",
    "password-in-text": "password in text",
    "hex-token": "hex token",
}
# A snippet quotes at most this many characters of the line on each side of the match, and
# at most SNIPPET_MAX characters in all: a minified line must not make a report huge.
SNIPPET_CONTEXT = 80
SNIPPET_MAX = 240
# Findings reported per line, after identical ones (same rule, name and value) are merged:
# a generated or minified line full of credentials is one problem, not thousands of findings.
MAX_PER_LINE = 20


class _Positions:
    """Offset -> (line, column), both 1-based, and line bounds, by bisection of line starts."""

    def __init__(self, text: str) -> None:
        self._size = len(text)
        self._starts = [0]
        self._starts.extend(m.end() for m in _NEWLINE.finditer(text))

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_start(self, offset: int) -> int:
        return self._starts[bisect.bisect_right(self._starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset of the line break ending ``offset``'s line (the text's length on the last line)."""
        index = bisect.bisect_right(self._starts, offset)
        return self._starts[index] - 1 if index < len(self._starts) else self._size


_NEWLINE = re.compile("\n")


def _message(match: SecretMatch) -> str:
    label = _LABELS.get(match.kind, match.kind)
    named = f" assigned to '{match.name}'" if match.name else ""
    return f"Hard-coded {label}{named}: {match.masked()}"


class _Masks:
    """Every secret of a file (all detectors, the file's language and none, as redaction
    finds them), merged, each shown masked: what a snippet may quote around a finding."""

    def __init__(self, text: str, language: str, detector: SecretDetector, reported: Sequence[SecretMatch]):
        spans = [(m.start, m.end) for m in detector.find_all(text, language)]
        spans += [(m.start, m.end) for m in detector.find_all(text, None)]
        spans += [(m.start, m.end) for m in reported]
        merged = Intervals(spans)
        self._starts, self._ends = merged.starts, merged.ends
        self._forms = {(m.start, m.end): m.masked() for m in reported}

    def snippet(self, text: str, match: SecretMatch, line_start: int, line_end: int) -> str:
        """The code around ``match`` on its line, every secret masked, cut (marked "…") to
        SNIPPET_CONTEXT characters on each side and SNIPPET_MAX in all."""
        left = max(line_start, match.start - SNIPPET_CONTEXT)
        right = min(line_end, match.end + SNIPPET_CONTEXT)
        # From the first masked span ending after ``left`` (it may start before the window).
        index = bisect.bisect_right(self._ends, left)
        pieces: list[str] = []
        position = left
        size = 0
        while index < len(self._starts) and self._starts[index] < right and size <= SNIPPET_MAX:
            start, end = self._starts[index], self._ends[index]
            form = self._forms.get((start, end)) or f"{'*' * 8} ({end - start} characters)"
            pieces += [text[position : max(position, start)], form]
            size += max(0, start - position) + len(form)
            position = max(position, end)
            index += 1
        if position < right:
            pieces.append(text[position:right])
        quoted = "".join(pieces).strip()
        cut_left, cut_right = left > line_start, max(position, right) < line_end
        if len(quoted) > SNIPPET_MAX - 2:
            quoted, cut_right = quoted[: SNIPPET_MAX - 2], True
        return ("\u2026" if cut_left else "") + quoted + ("\u2026" if cut_right else "")


# Kinds whose value is any string in a credential-shaped place: judged on the value.
_GENERIC = frozenset(
    {
        "password-assignment",
        "config-assignment",
        "url-password",
        "basic-auth",
        "bearer-token",
        "high-entropy-string",
        "url-parameter",
        "password-argument",
        "cli-password",
        "netrc-password",
        "pgpass-password",
        "password-in-text",
    }
)
_NAMED = frozenset({"password-assignment", "config-assignment", "url-parameter"})
_PASSWORD_NAME = re.compile(r"(?i)pass|pwd|(?<![a-z])pw(?![a-z])")
_TEMPLATE = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-+ #0]*\d*[sdrif]|\{[A-Za-z0-9_.]*(?:![rsa])?(?::[^{}]*)?\}")
# Letters and separators only: a word, an identifier, a constant or a dotted/kebab name.
_WORDISH = re.compile(r"[#@:$]?[A-Za-z_][A-Za-z_.:-]*")
# Names in any credential place: "_sa_default", "#bygroup", "DEFAULT", "auth.Token", "a:b".
_IDENTIFIER = re.compile(r"[#@:$_].*|[A-Z][A-Z_]*|.*[.:].*")
# Names where a password is not expected: "set-password", "fake_key", "SessionToken".
_SHORT_NAME = re.compile(r"[A-Za-z]+(?:[_-][A-Za-z]+)?|(?:[A-Z][a-z]+){2,}")
_COMPARISON = re.compile(r"[=!]=\s*[rbuRBU]{0,2}[\"']$")
_TEST_DIRS = frozenset({"test", "tests", "testing", "spec", "specs", "__tests__", "fixtures", "testdata"})
_TEST_FILE = re.compile(r"(?:test_.*|.*_tests?|conftest|.*\.(?:test|spec))\.[A-Za-z0-9]+")
# Full-line comment markers per language; Python uses the tokenizer instead.
_HASH = ("#",)
_SLASH = ("//", "/*", "*")
_COMMENT_MARKERS: dict[str, tuple[str, ...]] = {
    "yaml": _HASH,
    "toml": _HASH,
    "dotenv": _HASH,
    "shell": _HASH,
    "ruby": _HASH,
    "dockerfile": _HASH,
    "ini": ("#", ";"),
    "php": ("#", *_SLASH),
    "javascript": _SLASH,
    "typescript": _SLASH,
    "java": _SLASH,
    "c": _SLASH,
    "cpp": _SLASH,
    "go": _SLASH,
    "html": ("<!--",),
    "xml": ("<!--",),
}
_BLOCK_COMMENTS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("javascript", "typescript", "java", "c", "cpp", "go", "php"), ("/*", "*/")),
    **dict.fromkeys(("html", "xml"), ("<!--", "-->")),
}


_OUTSIDE_NOTES = {CodeContext.DOCS: "in documentation", CodeContext.EXAMPLE: "in example code"}


def _is_test_path(path: str) -> bool:
    parts = path.split("/")
    return any(part.lower() in _TEST_DIRS for part in parts[:-1]) or bool(_TEST_FILE.fullmatch(parts[-1]))


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


# Python comments and string literals, left to right (so a '#' in a string is no comment).
# An unterminated string runs to the end of the text (triple quotes) or of its line: matched
# once, not retried from every later quote, which would take quadratic time.
_PY_LEXEME = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>\"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\\?\Z)|'''(?:\\.|[^\\])*?(?:'''|\\?\Z)"
    r"|\"(?:\\.|[^\"\\\n])*(?:\"|\\?(?=\n)|\\?\Z)|'(?:\\.|[^'\\\n])*(?:'|\\?(?=\n)|\\?\Z))",
    re.DOTALL,
)
_STRING_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")
_LINE_REST = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|$)")


class _Lines:
    """Where each line's first non-blank character is, found once per line (a long line must
    not be rescanned for every string or secret on it)."""

    def __init__(self, text: str, positions: _Positions) -> None:
        self._text = text
        self._positions = positions
        self._first: dict[tuple[str, int], int] = {}

    def first_non_blank(self, offset: int, blanks: re.Pattern[str]) -> int:
        """The first character of ``offset``'s line that ``blanks`` does not skip."""
        key = (blanks.pattern, self._positions.line_start(offset))
        first = self._first.get(key)
        if first is None:
            match = blanks.match(self._text, key[1])
            first = self._first[key] = match.end() if match else key[1]
        return first


_BLANKS = re.compile(r"[ \t]*")
_WHITESPACE = re.compile(r"[^\S\n]*")


def _python_doc_spans(text: str, lines: _Lines) -> list[tuple[int, int]]:
    """Offsets of comments and of strings that are statements of their own (docstrings).

    A lexer of comments and string literals (a regular expression, far cheaper than the
    tokenizer): a string outside brackets and alone on its lines, with only its prefix before
    it and at most a comment after it, is documentation.
    """
    spans: list[tuple[int, int]] = []
    depth = 0  # open brackets: a string alone on its line inside a call is an argument
    previous = 0
    for lexeme in _PY_LEXEME.finditer(text):
        start, end = lexeme.span()
        code = text[previous:start]
        previous = end
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        if lexeme.lastgroup == "comment":
            spans.append((start, end))
            continue
        first = lines.first_non_blank(start, _BLANKS)  # only blanks and a prefix before the string
        if (
            depth <= 0
            and start - first <= 2
            and _STRING_PREFIX.fullmatch(text, first, start)
            and _LINE_REST.match(text, end)
        ):
            spans.append((start, end))
    return spans


def _occurrences(text: str, marker: str) -> list[int]:
    found: list[int] = []
    at = text.find(marker)
    while at >= 0:
        found.append(at)
        at = text.find(marker, at + 1)
    return found


class _Documentation:
    """Answers "is this offset inside documentation?" for one file, computed on first use."""

    def __init__(self, source: SourceFile, positions: _Positions) -> None:
        self._source = source
        self._lines = _Lines(source.text, positions)
        self._spans: list[tuple[int, int]] | None = None
        self._blocks: tuple[list[int], list[int]] | None = None

    def __contains__(self, offset: int) -> bool:
        text = self._source.text
        if self._source.language == "python":
            if self._spans is None:
                self._spans = _python_doc_spans(text, self._lines)
            index = bisect.bisect_right(self._spans, (offset, len(text) + 1)) - 1
            return index >= 0 and self._spans[index][0] <= offset < self._spans[index][1]
        language = self._source.language
        markers = _COMMENT_MARKERS.get(language, ())
        first = min(self._lines.first_non_blank(offset, _WHITESPACE), offset)
        if any(text.startswith(m, first) and first + len(m) <= offset for m in markers):
            return True
        block = _BLOCK_COMMENTS.get(language)  # inside /* ... */ or <!-- ... --> (ignoring strings)
        if block is None:
            return False
        if self._blocks is None:
            self._blocks = (_occurrences(text, block[0]), _occurrences(text, block[1]))
        return self._last_before(self._blocks[0], offset - len(block[0])) > self._last_before(
            self._blocks[1], offset - len(block[1])
        )

    @staticmethod
    def _last_before(starts: list[int], limit: int) -> int:
        """The last of ``starts`` at most ``limit`` (as ``str.rfind`` ending at offset), or -1."""
        index = bisect.bisect_right(starts, limit) - 1
        return starts[index] if index >= 0 else -1


def _decoded(value: str) -> str | None:
    """The text a base64 value encodes (``Basic`` credentials, RFC sample nonces), if any."""
    if len(value) < 8 or len(value) % 4:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isprintable() else None


def _url_user(text: str, match: SecretMatch) -> str:
    """``scott`` of ``scheme://scott:tiger@host`` (the match is the password)."""
    begin = text.rfind("//", max(0, match.start - 160), match.start)
    return text[begin + 2 : match.start - 1] if begin >= 0 else ""


@dataclass(frozen=True)
class _Verdict:
    confidence: Confidence
    notes: tuple[str, ...]


def _lower(confidence: Confidence) -> Confidence:
    return Confidence.LOW if confidence is not Confidence.HIGH else Confidence.MEDIUM


def _not_a_secret(match: SecretMatch, text: str, line_start: int) -> bool:
    """Values in credential-shaped places that name something rather than hide something."""
    value = match.value
    if _TEMPLATE.search(value):
        return True  # a format template: '<%s token: "%s">'
    if match.kind not in _NAMED:
        return False
    secretish = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    # (A bounded look back: the comparison operator is just before the quote.)
    if _COMPARISON.search(text[max(line_start, match.start - 64) : match.start]) and not secretish:
        return True  # parsing code comparing with a keyword: token == "#bygroup"
    norm_value, norm_name = _norm(value), _norm(match.name)
    wordish = bool(_WORDISH.fullmatch(value))
    if len(norm_value) >= 3 and (norm_value in norm_name or (wordish and norm_name in norm_value)):
        return True  # the value names itself: TOKEN_COMMENT = "comment", X_SECRET = "Test.X_SECRET"
    if not wordish:
        return False
    if _IDENTIFIER.fullmatch(value):
        return True
    # A key or token is random: one or two words are a name. A password may be words.
    return not _PASSWORD_NAME.search(match.name) and bool(_SHORT_NAME.fullmatch(value))


def _judge(
    match: SecretMatch,
    text: str,
    detector: SecretDetector,
    in_docs: Callable[[int], bool],
    outside: str,
    line_start: int,
) -> _Verdict | None:
    """The confidence to report ``match`` at, with the reasons it was lowered; None: not reported.

    ``outside`` says why the file is not production code ("in test code", "in documentation"),
    or is empty for production code.
    """
    value, kind = match.value, match.kind
    if detector.is_instruction(value):
        return None  # your_client_secret, <insert key>: text for the reader
    example = detector.is_example(value)
    user = _url_user(text, match) if kind == "url-password" else ""
    decoded = _decoded(value) if kind in ("basic-auth", "high-entropy-string") else None
    if decoded is not None:  # Aladdin:open sesame, "the sample nonce"
        user, _, password = decoded.rpartition(":")
        example = example or detector.is_example(password) or detector.is_example(decoded.replace(" ", "-"))
    if kind not in _GENERIC:
        if example:
            return None if outside or in_docs(match.start) else _Verdict(Confidence.LOW, ("example value",))
        if outside:
            return _Verdict(_lower(match.confidence), (outside,))
        return _Verdict(match.confidence, ())
    if _not_a_secret(match, text, line_start):
        return None
    documentation = in_docs(match.start)
    if example or (documentation and user and detector.is_example_user(user)):
        return None if documentation or outside else _Verdict(Confidence.LOW, ("example value",))
    notes: list[str] = []
    plain = bool(_WORDISH.fullmatch(value))
    if kind in _NAMED and not _PASSWORD_NAME.search(match.name) and (plain or len(value) < 8):
        notes.append("plain word" if plain else "short value")
    if documentation:
        notes.append("in documentation")
    if outside and outside not in notes:
        notes.append(outside)
    return _Verdict(Confidence.LOW if notes else match.confidence, tuple(notes))


class SecretsAnalyzer:
    """Reports hard-coded secrets found by :class:`SecretDetector`."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code
    cache_scope = "file"  # a file's findings depend on that file alone (vulnhound.resultcache)
    per_file = True  # one file at a time: the runner holds each to per_file_timeout

    def __init__(self, detector: SecretDetector | None = None) -> None:
        self._detector = detector

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return ALL_LANGUAGES

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return catalog.for_analyzer(NAME)

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        detector = self._detector or SecretDetector.default()
        findings: list[Finding] = []
        for source in files:
            findings.extend(self._scan(source, detector, context.rules, context.config.contexts))
            context.progress(1)
        return AnalyzerOutput(tuple(findings))

    def _scan(
        self,
        source: SourceFile,
        detector: SecretDetector,
        catalog: RuleCatalog,
        contexts: ContextRules | None = None,
    ) -> list[Finding]:
        text = source.text
        matches = detector.find(text, source.language)
        if not matches:
            return []
        positions = _Positions(text)
        documentation = _Documentation(source, positions)
        # Outside production code (tests, examples, docs: built HTML docs are full of sample keys)
        # a credential is more likely an example: reported, at lower confidence.
        where = (contexts or ContextRules.default()).classify(source.path)
        in_tests = _is_test_path(source.path) or where is CodeContext.TEST
        outside = "in test code" if in_tests else _OUTSIDE_NOTES.get(where, "")
        masks: _Masks | None = None  # every secret of the file, found when a snippet needs it
        found: list[Finding] = []
        seen: set[tuple[int, str, str, str]] = set()  # (line, rule, name, value)
        per_line: dict[int, int] = {}  # findings kept per line
        dropped: dict[int, int] = {}  # findings over MAX_PER_LINE per line
        last_on_line: dict[int, int] = {}  # index in ``found`` of each line's last finding
        for match in matches:
            info = catalog.get(match.rule_id)
            if info is None:
                continue  # the rule was removed from the catalog: nothing to report it under
            line_start = positions.line_start(match.start)
            verdict = _judge(match, text, detector, documentation.__contains__, outside, line_start)
            if verdict is None:
                continue
            start_line, start_col = positions.at(match.start)
            key = (start_line, info.id, match.name, match.value)
            if key in seen:
                continue  # the same credential again on this line: one finding says it
            seen.add(key)
            if per_line.get(start_line, 0) >= MAX_PER_LINE:
                dropped[start_line] = dropped.get(start_line, 0) + 1
                continue
            per_line[start_line] = per_line.get(start_line, 0) + 1
            end_line, end_col = positions.at(match.end)
            if masks is None:
                masks = _Masks(text, source.language, detector, matches)
            notes = f" ({', '.join(verdict.notes)})" if verdict.notes else ""
            last_on_line[start_line] = len(found)
            found.append(
                Finding(
                    rule_id=info.id,
                    cwe=info.cwe,
                    severity=match.severity,
                    confidence=verdict.confidence,
                    message=_message(match) + notes,
                    location=Location(source.path, start_line, start_col, end_line, end_col),
                    analyzers=(NAME,),
                    context=f"{match.kind}:{match.name}" if match.name else match.kind,
                    snippet=masks.snippet(text, match, line_start, positions.line_end(match.start)),
                    properties=(("secret_kind", match.kind),),
                )
            )
        for line, count in dropped.items():
            index = last_on_line[line]
            found[index] = replace(
                found[index], message=f"{found[index].message} (and {count} more on this line, not listed)"
            )
        return found
