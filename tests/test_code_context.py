"""Where a finding lives: classification by path, configuration, severity caps, exit codes, reports."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree
from reporting_fixtures import rich_result, sqli_finding
from test_reporters_sarif import sarif
from vulnhound.code_context import ContextRules, classify
from vulnhound.config import load_config
from vulnhound.errors import ConfigError
from vulnhound.findings import CodeContext, Confidence, Finding, Location, Severity
from vulnhound.fingerprints import assign
from vulnhound.reporters import ReportOptions, render
from vulnhound.result import ExitCode, ScanResult, exit_code

# A Flask view with a SQL injection: a critical taint finding wherever it sits.
SQLI_VIEW = (
    "import sqlite3\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    '@app.route("/q")\ndef find():\n    name = request.args["name"]\n'
    '    conn = sqlite3.connect("x.db")\n'
    '    return str(conn.execute("SELECT * FROM t WHERE n = \'" + name + "\'").fetchall())\n'
)


@pytest.mark.parametrize(
    ("path", "context"),
    [
        ("app/views.py", CodeContext.PRODUCTION),
        ("src/latest.py", CodeContext.PRODUCTION),
        ("src/contest.py", CodeContext.PRODUCTION),
        ("mytests/helpers.py", CodeContext.PRODUCTION),
        ("tests/helpers.py", CodeContext.TEST),
        ("pkg/tests/unit/helpers.py", CodeContext.TEST),
        ("test/a.py", CodeContext.TEST),
        ("pkg/testing/fakes.py", CodeContext.TEST),
        ("test_app.py", CodeContext.TEST),
        ("pkg/test_views.py", CodeContext.TEST),
        ("pkg/views_test.py", CodeContext.TEST),
        ("conftest.py", CodeContext.TEST),
        ("web/button.test.js", CodeContext.TEST),
        ("examples/shop/app.py", CodeContext.EXAMPLE),
        ("example/app.py", CodeContext.EXAMPLE),
        ("samples/a.py", CodeContext.EXAMPLE),
        ("demo/run.py", CodeContext.EXAMPLE),
        ("docs/conf.py", CodeContext.DOCS),
        ("doc/source/tutorial.py", CodeContext.DOCS),
        ("build-docs/_build/html/index.html", CodeContext.DOCS),
        ("site/search/search_index.json", CodeContext.DOCS),
        ("htmlcov/app_py.html", CodeContext.DOCS),
        # Tests win over examples and docs: a test of the docs is test code.
        ("docs/tests/test_links.py", CodeContext.TEST),
        ("examples/tests/test_shop.py", CodeContext.TEST),
        # Outside the root only the file name counts: a temporary folder may be "tests".
        ("/tmp/tests/views.py", CodeContext.PRODUCTION),
        ("/tmp/x/test_views.py", CodeContext.TEST),
    ],
)
def test_default_conventions(path: str, context: CodeContext) -> None:
    assert classify(path) is context


def test_config_table_replaces_a_context_and_claims_production_back(tmp_path: Path) -> None:
    (tmp_path / "vulnhound.toml").write_text(
        '[contexts]\ntest = ["qa/", "*_check.py"]\nproduction = ["src/pkg/testing/"]\ndocs = []\n',
        encoding="utf-8",
    )
    rules = load_config(tmp_path).contexts
    assert rules.classify("qa/login.py") is CodeContext.TEST
    assert rules.classify("src/login_check.py") is CodeContext.TEST
    assert rules.classify("tests/test_login.py") is CodeContext.PRODUCTION  # test list replaced
    assert rules.classify("src/pkg/testing/fakes.py") is CodeContext.PRODUCTION  # shipped helpers
    assert rules.classify("docs/conf.py") is CodeContext.PRODUCTION  # docs turned off
    assert rules.classify("examples/a.py") is CodeContext.EXAMPLE  # untouched default


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vulnhound]\nfail_on_contexts = ["example"]\n\n[tool.vulnhound.contexts]\nexample = ["cookbook/"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.contexts.classify("cookbook/a.py") is CodeContext.EXAMPLE
    assert config.fail_on_contexts == (CodeContext.EXAMPLE,)


@pytest.mark.parametrize(
    "table",
    ['[contexts]\nvendor = ["third_party/"]\n', '[contexts]\ntest = "tests/"\n', "contexts = 3\n"],
)
def test_bad_contexts_table_is_a_config_error(tmp_path: Path, table: str) -> None:
    (tmp_path / "vulnhound.toml").write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError, match="contexts"):
        load_config(tmp_path)


def test_fail_on_contexts_from_environment_and_options(tmp_path: Path) -> None:
    env = {"VULNHOUND_FAIL_ON_CONTEXTS": "test, example"}
    assert load_config(tmp_path, environ=env).fail_on_contexts == (CodeContext.TEST, CodeContext.EXAMPLE)
    everything = load_config(tmp_path, overrides={"fail_on_contexts": ["docs", "all"]}).fail_on_contexts
    assert set(everything) == set(CodeContext)
    assert load_config(tmp_path).fail_on_contexts == ()
    with pytest.raises(ConfigError, match="fail_on_contexts"):
        load_config(tmp_path, overrides={"fail_on_contexts": ["tests"]})


def _engine_finding(path: str, severity: Severity = Severity.CRITICAL, analyzer: str = "engine") -> Finding:
    return Finding(
        rule_id="py/sql-injection",
        cwe=("CWE-89",),
        severity=severity,
        confidence=Confidence.HIGH,
        message="request.args flows into execute",
        location=Location(path, 3),
        analyzers=(analyzer,),
        context="app.find",
    )


def test_taint_severity_capped_outside_production_only() -> None:
    rules = ContextRules.default()
    production = _engine_finding("app/views.py")
    assert rules.apply(production) == production
    capped = rules.apply(_engine_finding("tests/test_views.py"))
    assert (capped.severity, capped.code_context) == (Severity.LOW, CodeContext.TEST)
    assert dict(capped.properties)["original_severity"] == "critical"
    merged = rules.apply(replace(_engine_finding("docs/x.py"), analyzers=("patterns", "engine")))
    assert merged.severity is Severity.LOW and merged.code_context is CodeContext.DOCS
    # A context the build fails on is held to production standards.
    held = rules.apply(_engine_finding("tests/test_views.py"), uncapped=(CodeContext.TEST,))
    assert (held.severity, held.code_context) == (Severity.CRITICAL, CodeContext.TEST)
    # Already below the cap: unchanged apart from the context.
    info = rules.apply(_engine_finding("examples/a.py", Severity.INFO))
    assert info.severity is Severity.INFO and info.properties == ()


def test_secrets_keep_their_severity_but_carry_the_context() -> None:
    secret = ContextRules.default().apply(_engine_finding("tests/conftest.py", Severity.HIGH, "secrets"))
    assert (secret.severity, secret.code_context) == (Severity.HIGH, CodeContext.TEST)


def test_context_is_no_part_of_the_fingerprint() -> None:
    finding = _engine_finding("tests/test_views.py")
    lines = {("tests/test_views.py", 3): "cursor.execute(q)"}
    [plain] = assign([finding], lines)
    [classified] = assign([ContextRules.default().apply(finding)], lines)
    assert classified.code_context is CodeContext.TEST
    assert (classified.fingerprint, classified.line_hash) == (plain.fingerprint, plain.line_hash)


def _result_with_test_finding() -> ScanResult:
    base = rich_result()
    in_tests = replace(
        sqli_finding(),
        location=Location("tests/test_views.py", 5, 1, 5, 20),
        fingerprint="e" * 32 + ":0",
        code_context=CodeContext.TEST,
    )
    return replace(base, findings=(*base.findings, in_tests))


def test_fails_counts_production_unless_widened() -> None:
    only_tests = replace(rich_result(), findings=(_result_with_test_finding().findings[-1],))
    assert not only_tests.fails(Severity.HIGH)
    assert only_tests.fails(Severity.HIGH, [CodeContext.TEST])
    assert not only_tests.fails(Severity.HIGH, [CodeContext.DOCS])
    assert exit_code(only_tests, Severity.HIGH, strict=False) == ExitCode.CLEAN
    assert exit_code(only_tests, Severity.HIGH, False, (CodeContext.TEST,)) == ExitCode.FINDINGS
    assert exit_code(rich_result(), Severity.HIGH, strict=False) == ExitCode.FINDINGS


def test_reports_carry_the_context_and_count_per_context() -> None:
    result = _result_with_test_finding()
    assert result.context_counts()[CodeContext.TEST] == 1
    doc = json.loads(render("json", result))
    assert doc["summary"]["by_context"] == {"production": 4, "test": 1, "example": 0, "docs": 0}
    by_path = {f["location"]["path"]: f for f in doc["findings"]}
    assert by_path["tests/test_views.py"]["code_context"] == "test"
    assert by_path["app/views.py"]["code_context"] == "production"

    log = sarif(result)  # validates against the SARIF 2.1.0 schema
    run = log["runs"][0]
    assert run["properties"]["byContext"]["test"] == 1
    contexts = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["properties"]["code-context"]
        for r in run["results"]
    }
    assert contexts["tests/test_views.py"] == "test" and contexts["app/views.py"] == "production"

    text = render("text", result, ReportOptions(width=200))
    head = next(line for line in text.splitlines() if "tests/test_views.py:5" in line)
    assert head.rstrip().endswith("[test]")
    assert not any(line.rstrip().endswith("[production]") for line in text.splitlines())
    summary = " ".join(text.strip().split("\n\n")[-1].split())
    assert "; 4 in production code, 1 in test code)" in summary

    markdown = render("markdown", result)
    assert "4 in production code, 1 in test code)" in markdown.splitlines()[0]
    row = next(
        line
        for line in markdown.splitlines()
        if "tests/test\\_views.py" in line or "tests/test_views.py" in line
    )
    assert "| test |" in row
    assert "| In test code | 1 |" in markdown and "| In docs | 0 |" in markdown


def test_cli_taint_in_tests_does_not_fail_by_default(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(tmp_path / "p", {"tests/test_views.py": SQLI_VIEW, "app/__init__.py": ""})
    proc = cli("scan", root, "-f", "json", "-j", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [finding] = [f for f in json.loads(proc.stdout)["findings"] if f["rule_id"] == "py/sql-injection"]
    assert finding["code_context"] == "test" and finding["severity"] == "low"
    assert finding["properties"]["original_severity"] == "critical"

    widened = cli("scan", root, "-f", "json", "-j", "1", "--fail-on-context", "test")
    assert widened.returncode == 1, widened.stdout + widened.stderr
    [held] = [f for f in json.loads(widened.stdout)["findings"] if f["rule_id"] == "py/sql-injection"]
    assert held["severity"] == "critical" and held["code_context"] == "test"
    assert cli("scan", root, "-j", "1", env={"VULNHOUND_FAIL_ON_CONTEXTS": "all"}).returncode == 1
    (root / "vulnhound.toml").write_text('fail_on_contexts = ["example", "test"]\n', encoding="utf-8")
    assert cli("scan", root, "-j", "1").returncode == 1

    bad = cli("scan", root, "--fail-on-context", "tests")
    assert bad.returncode == 2 and "fail_on_contexts" in bad.stderr


def test_cli_same_code_in_production_fails(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"app/views.py": SQLI_VIEW})
    proc = cli("scan", root, "-j", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"1 in production code\)", " ".join(proc.stdout.split()))


# A page of built HTML docs: a code sample with credentials, as Sphinx renders one.
DOCS_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8" /><script src="_static/doctools.js"></script>'
    '</head><body><div class="highlight"><pre><span class="n">client</span> <span class="o">=</span> '
    '<span class="n">Client</span><span class="p">(</span>\n'
    '    <span class="n">api_key</span><span class="o">=</span>'
    '<span class="s2">"sk_live_4eC39HqLyjWDarjtT1zdp7dc"</span><span class="p">,</span>\n'
    '    <span class="n">password</span><span class="o">=</span><span class="s2">"Zq8vR2mW9xLp"</span>)\n'
    "</pre></div>\n<pre>DATABASE_URL=postgres://admin:Zq8vR2mW9xLp@db.internal.io/app</pre>\n"
    "</body></html>\n"
)


def _secrets(root: Path) -> tuple[ScanResult, list[Finding]]:
    from vulnhound.config import Config
    from vulnhound.scanner import scan

    result = scan([root], Config(jobs=1, analyzers=("secrets",), respect_gitignore=False))
    return result, [f for f in result.active if f.analyzers == ("secrets",)]


def test_built_html_docs_give_no_high_confidence_credentials(tmp_path: Path, write_tree: WriteTree) -> None:
    pages = {f"docs/html/page{n}.html": DOCS_PAGE for n in range(3)}
    root = write_tree(tmp_path / "p", {**pages, "app/templates/page.html": DOCS_PAGE})
    _, found = _secrets(root)
    in_docs = [f for f in found if f.location.path.startswith("docs/")]
    in_app = [f for f in found if f.location.path.startswith("app/")]
    # The same page in production code is a high-confidence leak: the test can fail.
    assert any(f.confidence is Confidence.HIGH for f in in_app), in_app
    assert in_docs and {f.code_context for f in in_docs} == {CodeContext.DOCS}
    assert [f for f in in_docs if f.confidence is Confidence.HIGH] == []
    # Secrets keep their severity in docs: only the confidence says "probably an example".
    severity = {(f.rule_id, f.location.start_line): f.severity for f in in_app}
    assert all(severity.get((f.rule_id, f.location.start_line), f.severity) is f.severity for f in in_docs)
    assert all("in documentation" in f.message for f in in_docs)


def test_generated_html_trees_are_not_read(tmp_path: Path, write_tree: WriteTree) -> None:
    big = DOCS_PAGE + "<script>" + "var a=1;" * 100_000 + "</script>\n"  # ~800 kB, under the size limit
    generated = {
        **{f"docs/_build/html/p{n}.html": big for n in range(5)},
        "htmlcov/app_py.html": DOCS_PAGE,
        "blog/_site/index.html": DOCS_PAGE,
    }
    root = write_tree(
        tmp_path / "p", {**generated, "app/settings.py": 'API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'}
    )
    result, found = _secrets(root)
    assert result.files_analyzed == 1 and not result.skipped
    assert {f.location.path for f in found} == {"app/settings.py"}
