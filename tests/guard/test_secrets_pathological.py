"""The secret detector and analyzer take linear time and give bounded output on hostile text.

A 120 KB line of ``password = '...' ;`` once took 29 s and wrote a 979 MB report (every
finding quoted the whole line; helpers searched back to the line start for every match), and
a 1 MB line of ``eyJabcdefgh.`` did not finish. The bounds here are generous (slow CI on two
cores): anything quadratic takes minutes on these inputs.
"""

from __future__ import annotations

import dataclasses
import json
import random
import string
import time

import pytest

from vulnhound.analyzers.interface import AnalysisContext
from vulnhound.config import Config
from vulnhound.findings import Finding
from vulnhound.guard.secrets import SecretDetector
from vulnhound.guard.secrets_analyzer import MAX_PER_LINE, SNIPPET_MAX, SecretsAnalyzer
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile

BOUND_S = 10.0  # seconds per input and stage; linear code takes well under one
MB = 1_000_000


def _distinct_credentials(count: int) -> str:
    """One line of many different credentials, as in a minified bundle."""
    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits
    return "; ".join(
        f"token_{i} = '{''.join(rng.choice(alphabet) for _ in range(12))}9aZ'" for i in range(count)
    )


# (id, text, language, the most findings the analyzer may report)
INPUTS = [
    ("password-line-120k", "password = 'Ab3xYz9Q' ; " * 5000, "python", 1),
    ("password-line-240k", "password = 'Ab3xYz9Q' ; " * 10000, "python", 1),
    ("jwt-pieces-1m", "eyJabcdefgh." * (MB // 12), "python", 2),
    ("assignments-1m", "a=" * (MB // 2), "ini", 0),
    ("token-run-1m", "aB3" * (MB // 3), "python", 0),
    ("double-quotes-1m", '"' * MB, "python", 0),
    ("single-quotes-1m", "'" * MB, "python", 0),
    ("password-equals-1m", "password=" * (MB // 9), "ini", 0),
    ("password-colon-1m", "password: " * (MB // 10), "yaml", 0),
    ("password-underscore-1m", "password_" * (MB // 9), "python", 0),
    ("scheme-separators-1m", "a://" * (MB // 4), "python", 0),
    ("bearer-1m", "Bearer " * (MB // 7), "javascript", 0),
    ("unterminated-triple-quotes", '"""' + '\\"""' * (240_000 // 4), "python", 0),
    ("escaped-single-quotes", "'" + "\\'" * (240_000 // 2), "python", 0),
    ("curl-user-240k", "curl -u a:" * (240_000 // 10), "shell", MAX_PER_LINE),
    ("mysql-p-240k", "mysql -p" * (240_000 // 8), "shell", MAX_PER_LINE),
    ("netrc-240k", "machine a login b " * (240_000 // 18), "netrc", 0),
    ("private-key-headers-1m", "-----BEGIN PRIVATE KEY-----" * (MB // 27), "pem", 1),
    ("concatenations-240k", 'password = "Ab3xYz9Q" + ' * (240_000 // 24), "python", 1),
    ("distinct-credentials-240k", _distinct_credentials(240_000 // 30), "python", MAX_PER_LINE),
]


def _analyze(text: str, language: str) -> list[Finding]:
    source = SourceFile("hostile.txt", "/nowhere/hostile.txt", language, text)
    context = AnalysisContext(config=Config(), rules=RuleCatalog.load())
    return list(SecretsAnalyzer().analyze([source], context).findings)


@pytest.mark.parametrize(("text", "language"), [(i[1], i[2]) for i in INPUTS], ids=[i[0] for i in INPUTS])
def test_detector_is_fast_on_hostile_text(text: str, language: str) -> None:
    detector = SecretDetector.default()
    for lang in (language, None):
        started = time.perf_counter()
        detector.find_all(text, lang)
        elapsed = time.perf_counter() - started
        assert elapsed < BOUND_S, f"find_all({lang}) took {elapsed:.1f} s on {len(text)} characters"


@pytest.mark.parametrize(
    ("text", "language", "most"), [(i[1], i[2], i[3]) for i in INPUTS], ids=[i[0] for i in INPUTS]
)
def test_analyzer_is_fast_and_its_output_bounded(text: str, language: str, most: int) -> None:
    started = time.perf_counter()
    findings = _analyze(text, language)
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_S, f"the analyzer took {elapsed:.1f} s on {len(text)} characters"
    assert len(findings) <= most, [f.message for f in findings]
    for finding in findings:
        assert len(json.dumps(dataclasses.asdict(finding), default=str)) < 2048
        assert len(finding.snippet) <= SNIPPET_MAX


def test_one_line_of_one_credential_repeated_is_one_finding() -> None:
    findings = _analyze("password = 'Ab3xYz9Q' ; " * 5000, "python")
    assert len(findings) == 1
    assert "Ab3xYz9Q" not in findings[0].snippet and "Ab3xYz9Q" not in findings[0].message
    assert findings[0].snippet.endswith("\u2026")


def test_a_line_of_many_credentials_is_capped_and_says_so() -> None:
    line = _distinct_credentials(100)
    findings = _analyze(f"x = 1\n{line}\n", "python")
    assert len(findings) == MAX_PER_LINE
    assert all(f.location.start_line == 2 for f in findings)
    assert findings[-1].message.endswith(f"(and {100 - MAX_PER_LINE} more on this line, not listed)")


def test_snippets_quote_the_code_around_the_match_with_every_secret_masked() -> None:
    key = "AKIAQX3VB7NMKL2P4RT9"
    hex_token = "9f2c4e1a7b3d5f608e1c2a4b6d8f0a1c"  # redacted, never reported, still masked
    line = f'{"x" * 300} = connect(password="Xk29vLq8RtPz", key="{key}", license="{hex_token}") {"y" * 300}'
    findings = _analyze(f"{line}\n", "python")
    assert {f.properties[0][1] for f in findings} == {"password-assignment", "aws-access-key-id"}
    for finding in findings:
        assert finding.snippet.startswith("\u2026") and finding.snippet.endswith("\u2026")
        assert len(finding.snippet) <= SNIPPET_MAX
        for secret in ("Xk29vLq8RtPz", key[4:], hex_token):
            assert secret not in finding.snippet
    assert 'password="******** (12 characters)"' in findings[0].snippet


def test_a_short_line_is_quoted_whole() -> None:
    (finding,) = _analyze('    db = connect(password="Xk29vLq8RtPz")\n', "python")
    assert finding.snippet == 'db = connect(password="******** (12 characters)")'
