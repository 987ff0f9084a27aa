"""Hand-built ScanResults for reporter tests: every field a reporter must show, filled in.

Built by hand (not by scanning) so that flows, triage, suppressions, model usage and the
nothing-analysed case exist even before the analyzers that produce them do.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vulnhound.findings import (
    Confidence,
    Finding,
    FlowStep,
    Location,
    Severity,
    Suppression,
    SuppressionKind,
    Triage,
    Verdict,
)
from vulnhound.result import ModelUsage, ScanResult
from vulnhound.rules.catalog import RuleInfo
from vulnhound.sources import Skipped, SkipReason

ROOT = "/srv/app"

SQLI_RULE = RuleInfo(
    id="py/sql-injection",
    name="SQL injection",
    cwe=("CWE-89", "CWE-943"),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    short_description="User input reaches a SQL query.",
    full_description="A request parameter flows into a query string without parameterisation.",
    help_text="Use bound parameters (cursor.execute(sql, params)).",
    analyzer="taint",
    tags=("injection",),
)
HASH_RULE = RuleInfo(
    id="py/weak-hash",
    name="Weak hash",
    cwe=("CWE-328", "CWE-327"),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    short_description="MD5 or SHA-1 used.",
    full_description="MD5 and SHA-1 are broken for collision resistance.",
    help_text="Use hashlib.sha256 or a password hash.",
    analyzer="patterns",
)
UNUSED_RULE = RuleInfo(
    id="py/debug-enabled",
    name="Debug mode enabled",
    cwe=("CWE-489",),
    severity=Severity.LOW,
    confidence=Confidence.LOW,
    short_description="Debugger on.",
    full_description="A debugger is reachable.",
    help_text="Turn it off.",
    analyzer="patterns",
)

# Text that has broken reporters elsewhere: table pipes, backticks, markup, escapes, HTML.
ODD_MESSAGE = (
    "Value `x | y` from [bold]request[/bold] <script>alert(1)</script> reaches "
    "*eval* \x1b[31mred\x1b[0m \u2014 caf\u00e9 \u6f22\u5b57\nsecond line | pipe"
)
LONG_MESSAGE = "very long message " * 400


def sqli_finding() -> Finding:
    """A critical taint finding with a three-step flow and a true-positive triage."""
    return Finding(
        rule_id="py/sql-injection",
        cwe=("CWE-89", "CWE-943"),
        severity=Severity.CRITICAL,
        confidence=Confidence.HIGH,
        message="Request parameter 'q' reaches cursor.execute.",
        location=Location("app/views.py", 42, 9, 42, 31),
        analyzers=("taint",),
        flow=(
            FlowStep(Location("app/views.py", 38, 9, 38, 30), "request.args.get('q')"),
            FlowStep(Location("app/util.py", 7, 5, 7, 20), "formatted into sql"),
            FlowStep(Location("app/views.py", 42, 9, 42, 31), "cursor.execute(sql)"),
        ),
        context="app.views.search",
        snippet="cursor.execute(sql)",
        triage=Triage(Verdict.TRUE_POSITIVE, "The parameter is not sanitised.", 0.9, ("glm", "qwen")),
        fingerprint="f" * 32 + ":0",
        line_hash="0123456789abcdef:1",
        properties=(("sink", "cursor.execute"),),
    )


def hash_finding(line: int = 10, suppression: Suppression | None = None) -> Finding:
    return Finding(
        rule_id="py/weak-hash",
        cwe=("CWE-328", "CWE-327"),
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        message="MD5 used.",
        location=Location("app/crypto.py", line, 5, line, 19),
        analyzers=("patterns",),
        snippet="hashlib.md5(x)",
        suppression=suppression,
        fingerprint=f"{line:032x}:0",
        line_hash=f"{line:016x}:1",
    )


def model_finding() -> Finding:
    """A model's finding whose rule id is not in the catalogue; its message is hostile text."""
    return Finding(
        rule_id="model/path-traversal",
        cwe=("CWE-22",),
        severity=Severity.HIGH,
        confidence=Confidence.LOW,
        message=ODD_MESSAGE,
        location=Location("app/files|odd `name`.py", 3, 1, 4, 8),
        analyzers=("model:glm",),
        snippet="open(base + name)\n    .read()",
        triage=Triage(Verdict.UNCERTAIN, "Could be | maybe `not`.", 0.5, ("glm",)),
        fingerprint="a" * 32 + ":0",
        line_hash="fedcba9876543210:1",
    )


def rich_result() -> ScanResult:
    """Flows, triage, all three suppression kinds, skipped files, model usage, notes."""
    findings = (
        sqli_finding(),
        model_finding(),
        hash_finding(10),
        hash_finding(20, Suppression(SuppressionKind.INLINE, "legacy checksum, not security")),
        hash_finding(30, Suppression(SuppressionKind.TRIAGE, "model: false positive | cache key")),
        hash_finding(40, Suppression(SuppressionKind.CONSENSUS)),
        Finding(
            rule_id="py/long",
            cwe=(),
            severity=Severity.INFO,
            confidence=Confidence.LOW,
            message=LONG_MESSAGE,
            location=Location("app/long.py", 1),
            analyzers=("patterns",),
        ),
    )
    return ScanResult(
        tool_version="0.1.0",
        root=ROOT,
        targets=(ROOT,),
        findings=findings,
        skipped=(
            Skipped("data/blob.py", SkipReason.BINARY, "NUL byte at offset 12"),
            Skipped("big.py", SkipReason.TOO_LARGE, "5242880 bytes > 1048576"),
            Skipped("broken.py", SkipReason.SYNTAX_ERROR, "line 3: invalid syntax", "taint"),
            Skipped("app/views.py", SkipReason.POLICY, "unit search: policy refused", "model:glm"),
        ),
        files_analyzed=12,
        lines_analyzed=3456,
        rules=(SQLI_RULE, HASH_RULE, UNUSED_RULE),
        analyzers=("patterns", "taint", "model:glm"),
        unsupported_languages=(("javascript", 3), ("go", 1)),
        unused_suppressions=(Location("app/old.py", 5, 20),),
        baseline_matched=2,
        below_threshold=4,
        duration_s=1.25,
        model_usage=(
            ModelUsage("qwen", requests=3, cached=1, tokens_in=900, tokens_out=120, cost_usd=0.0),
            ModelUsage("glm", requests=10, failures=1, tokens_in=12345, tokens_out=678, cost_usd=0.0123),
        ),
        notes=("model glm did not analyse 3 units: policy",),
        extras=(("taint", {"paths": 3, "truncated": False}),),
    )


def empty_result() -> ScanResult:
    """A scan that analysed files and found nothing: the one case allowed to read as clean."""
    return ScanResult(
        tool_version="0.1.0",
        root=ROOT,
        targets=(ROOT,),
        findings=(),
        skipped=(),
        files_analyzed=3,
        lines_analyzed=60,
        rules=(),
        analyzers=("patterns",),
    )


def nothing_analysed_result() -> ScanResult:
    """Every file was skipped: no reporter may present this as a clean result."""
    return ScanResult(
        tool_version="0.1.0",
        root=ROOT,
        targets=(ROOT,),
        findings=(),
        skipped=(
            Skipped("binary.py", SkipReason.BINARY, "NUL byte"),
            Skipped("bad.py", SkipReason.DECODE_ERROR, "invalid UTF-8 at byte 3"),
        ),
        files_analyzed=0,
        lines_analyzed=0,
        rules=(HASH_RULE,),
        analyzers=("patterns",),
    )


def many_skipped_result(count: int = 30) -> ScanResult:
    """Enough skipped files, of several reasons, that the text report groups them."""
    reasons = (SkipReason.BINARY, SkipReason.TOO_LARGE, SkipReason.UNREADABLE)
    skipped = tuple(
        Skipped(f"dir/file{n:02}.py", reasons[n % len(reasons)], f"detail {n}") for n in range(count)
    )
    return ScanResult(
        tool_version="0.1.0",
        root=ROOT,
        targets=(ROOT,),
        findings=(hash_finding(),),
        skipped=skipped,
        files_analyzed=1,
        lines_analyzed=10,
        rules=(HASH_RULE,),
        analyzers=("patterns",),
    )


def odd_result() -> ScanResult:
    """Surrogates, control characters, pipes, markup, NaN and empty strings in every field."""
    odd = "\udcff" + ODD_MESSAGE + "\x00|`"
    base = rich_result()
    finding = replace(
        hash_finding(),
        rule_id="odd|rule `x`",
        message=odd,
        snippet=odd,
        location=Location("odd\udcff dir/\u00e9|x.py", 1),
        context=odd,
        properties=(("k", odd),),
    )
    return replace(
        base,
        findings=(*base.findings, finding, replace(finding, message="", snippet="", fingerprint="")),
        skipped=(*base.skipped, Skipped("\udcffname|x.py", SkipReason.DECODE_ERROR, odd, odd)),
        model_usage=(ModelUsage(odd, cost_usd=float("nan")),),
        notes=(odd, ""),
        extras=(("odd", {odd: {1, 2}, "inf": float("inf"), "nested": [(1, "a")]}),),
        duration_s=float("nan"),
    )


ALL_RESULTS = {
    "odd": odd_result,
    "rich": rich_result,
    "empty": empty_result,
    "nothing": nothing_analysed_result,
    "many-skipped": many_skipped_result,
}


REAL_SOURCE = """import hashlib

import requests


def fetch(url, data):
    digest = hashlib.md5(data)
    return requests.get(url, verify=False), digest
"""


def scanned_result(root: Path) -> ScanResult:
    """A real scan of a small file the ``patterns`` analyzer has two findings in."""
    from vulnhound import scan
    from vulnhound.config import Config

    (root / "client.py").write_text(REAL_SOURCE, encoding="utf-8")
    return scan([root], Config())
