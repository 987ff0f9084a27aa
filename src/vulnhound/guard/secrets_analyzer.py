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
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput
from vulnhound.findings import Confidence, Finding, Location
from vulnhound.guard.secrets import SecretDetector, SecretMatch
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
}


class _Positions:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


def _message(match: SecretMatch) -> str:
    label = _LABELS.get(match.kind, match.kind)
    named = f" assigned to '{match.name}'" if match.name else ""
    return f"Hard-coded {label}{named}: {match.masked()}"


def _masked_line(text: str, line_start: int, matches: Sequence[SecretMatch]) -> str:
    """The line starting at offset ``line_start`` with every secret on it masked: reports
    quote the code, never the secret."""
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end == -1 else line_end
    pieces: list[str] = []
    position = line_start
    for match in matches:
        if match.end <= line_start or match.start >= line_end:
            continue
        start = max(match.start, line_start)
        pieces.append(text[position:start])
        pieces.append(match.masked())
        position = min(max(match.end, position), line_end)
    pieces.append(text[position:line_end])
    return "".join(pieces).strip()


# Kinds whose value is any string in a credential-shaped place: judged on the value.
_GENERIC = frozenset(
    {
        "password-assignment",
        "config-assignment",
        "url-password",
        "basic-auth",
        "bearer-token",
        "high-entropy-string",
    }
)
_NAMED = frozenset({"password-assignment", "config-assignment"})
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


def _is_test_path(path: str) -> bool:
    parts = path.split("/")
    return any(part.lower() in _TEST_DIRS for part in parts[:-1]) or bool(_TEST_FILE.fullmatch(parts[-1]))


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


# Python comments and string literals, left to right (so a '#' in a string is no comment).
_PY_LEXEME = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''"
    r"|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')",
    re.DOTALL,
)
_STRING_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")
_LINE_REST = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|$)")


def _python_doc_spans(text: str) -> list[tuple[int, int]]:
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
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start].lstrip(" \t")
        if depth <= 0 and _STRING_PREFIX.fullmatch(before) and _LINE_REST.match(text, end):
            spans.append((start, end))
    return spans


class _Documentation:
    """Answers "is this offset inside documentation?" for one file, computed on first use."""

    def __init__(self, source: SourceFile) -> None:
        self._source = source
        self._spans: list[tuple[int, int]] | None = None

    def __contains__(self, offset: int) -> bool:
        text = self._source.text
        if self._source.language == "python":
            if self._spans is None:
                self._spans = _python_doc_spans(text)
            index = bisect.bisect_right(self._spans, (offset, len(text) + 1)) - 1
            return index >= 0 and self._spans[index][0] <= offset < self._spans[index][1]
        language = self._source.language
        markers = _COMMENT_MARKERS.get(language, ())
        line = text[text.rfind("\n", 0, offset) + 1 : offset].lstrip()
        if markers and line.startswith(markers):
            return True
        block = _BLOCK_COMMENTS.get(language)  # inside /* ... */ or <!-- ... --> (ignoring strings)
        return block is not None and text.rfind(block[0], 0, offset) > text.rfind(block[1], 0, offset)


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


def _not_a_secret(match: SecretMatch, text: str) -> bool:
    """Values in credential-shaped places that name something rather than hide something."""
    value = match.value
    if _TEMPLATE.search(value):
        return True  # a format template: '<%s token: "%s">'
    if match.kind not in _NAMED:
        return False
    line_start = text.rfind("\n", 0, match.start) + 1
    secretish = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    if _COMPARISON.search(text[line_start : match.start]) and not secretish:
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
    match: SecretMatch, text: str, detector: SecretDetector, in_docs: Callable[[int], bool], in_tests: bool
) -> _Verdict | None:
    """The confidence to report ``match`` at, with the reasons it was lowered; None: not reported."""
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
            return None if in_tests or in_docs(match.start) else _Verdict(Confidence.LOW, ("example value",))
        if in_tests:
            return _Verdict(_lower(match.confidence), ("in test code",))
        return _Verdict(match.confidence, ())
    if _not_a_secret(match, text):
        return None
    documentation = in_docs(match.start)
    if example or (documentation and user and detector.is_example_user(user)):
        return None if documentation or in_tests else _Verdict(Confidence.LOW, ("example value",))
    notes: list[str] = []
    plain = bool(_WORDISH.fullmatch(value))
    if kind in _NAMED and not _PASSWORD_NAME.search(match.name) and (plain or len(value) < 8):
        notes.append("plain word" if plain else "short value")
    if documentation:
        notes.append("in documentation")
    if in_tests:
        notes.append("in test code")
    return _Verdict(Confidence.LOW if notes else match.confidence, tuple(notes))


class SecretsAnalyzer:
    """Reports hard-coded secrets found by :class:`SecretDetector`."""

    text_only = True  # reads every file as text: no vulnerability analysis of the code

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
            findings.extend(self._scan(source, detector, context.rules))
            context.progress(1)
        return AnalyzerOutput(tuple(findings))

    def _scan(self, source: SourceFile, detector: SecretDetector, catalog: RuleCatalog) -> list[Finding]:
        matches = detector.find(source.text, source.language)
        if not matches:
            return []
        positions = _Positions(source.text)
        documentation = _Documentation(source)
        in_tests = _is_test_path(source.path)
        found = []
        for match in matches:
            info = catalog.get(match.rule_id)
            if info is None:
                continue  # the rule was removed from the catalog: nothing to report it under
            verdict = _judge(match, source.text, detector, documentation.__contains__, in_tests)
            if verdict is None:
                continue
            start_line, start_col = positions.at(match.start)
            end_line, end_col = positions.at(match.end)
            notes = f" ({', '.join(verdict.notes)})" if verdict.notes else ""
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
                    snippet=_masked_line(source.text, match.start - start_col + 1, matches),
                    properties=(("secret_kind", match.kind),),
                )
            )
        return found
