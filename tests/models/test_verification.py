"""Model findings are checked against the code: verified, refuted (kept, suppressed, with the
reason) or unverified (low confidence, not counted for --fail-on unless asked)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from vulnhound.models.verify import REFUTED, UNVERIFIED, VERIFIED, Claim, Verifier
from vulnhound.rules.catalog import RuleCatalog
from vulnhound.sources import SourceFile

from .servers import ScriptedServer, code_lines

APP = textwrap.dedent(
    """\
    import os
    import subprocess
    from flask import Flask, request
    app = Flask(__name__)

    @app.route("/run")
    def run():
        os.system("ls " + request.args["d"])
        os.system("uptime")
        total = 1 + 2
        helper(request.args["q"])
        return str(total)

    def helper(value):
        store = {}
        store["v"] = value
        return store

    def search(conn, term):
        return conn.execute("SELECT * FROM t WHERE n = '" + term + "'")
    """
)


def _verifier(files: dict[str, str]) -> Verifier:
    sources = [SourceFile(p, p, "python" if p.endswith(".py") else "javascript", t) for p, t in files.items()]
    return Verifier(sources, RuleCatalog.load([]).for_analyzer("engine"))


@pytest.mark.parametrize(
    ("claim", "status", "reason"),
    [
        (Claim("app.py", "CWE-78", 8, "os.system"), VERIFIED, r"flow from line 8 into line 8"),
        (Claim("app.py", "CWE-89", 20, "conn.execute"), VERIFIED, r"flow .* into line 20"),
        (Claim("app.py", "CWE-78", 8, "subprocess.get"), REFUTED, r"no call to 'subprocess.get'"),
        (Claim("app.py", "CWE-89", 10, ""), REFUTED, r"no call that CWE-89 could flow into"),
        (Claim("app.py", "CWE-89", 8, "os.system"), REFUTED, r"CWE-89 does not fit .* os.system \(command\)"),
        (Claim("app.py", "CWE-78", 9, "os.system"), REFUTED, r"every argument .* is a constant"),
        (Claim("app.py", "CWE-89", 11, "helper"), UNVERIFIED, r"finds no flow into line 11"),
        (Claim("app.py", "CWE-798", 10, ""), UNVERIFIED, r"decides CWE-798"),
        (Claim("app.py", "CWE-78", 99, "os.system"), REFUTED, r"no line 99"),
        (Claim("other.py", "CWE-78", 1, "os.system"), REFUTED, r"not a scanned file"),
    ],
)
def test_claims_against_the_code(claim: Claim, status: str, reason: str) -> None:
    verdict = _verifier({"app.py": APP}).check(claim)
    assert verdict.status == status and re.search(reason, verdict.reason), verdict


def test_other_languages_are_checked_by_text() -> None:
    code = "const cp = require('child_process');\nfunction run(d) {\n  cp.exec('ls ' + d);\n}\n"
    verifier = _verifier({"app.js": code})
    assert verifier.check(Claim("app.js", "CWE-78", 3, "cp.exec")).status == UNVERIFIED
    assert verifier.check(Claim("app.js", "CWE-78", 3, "child_process.spawn")).status == REFUTED


def _inventing_brain(prompt: str) -> dict[str, Any]:
    """Reports on every unit: what a small model does (a call that is not there, a CWE that
    does not fit, a constant command), plus the one real injection."""
    found = []
    for n, text in code_lines(prompt):
        if 'os.system("ls " +' in text:
            found.append({"cwe": "CWE-78", "line": n, "sink_call": "os.system"})
            found.append({"cwe": "CWE-89", "line": n, "sink_call": "subprocess.get"})
        if "uptime" in text:
            found.append({"cwe": "CWE-78", "line": n, "sink_call": "os.system"})
        if "helper(request" in text:
            found.append({"cwe": "CWE-89", "line": n, "sink_call": "helper"})
    items = [
        {"severity": "high", "title": "t", "explanation": "e", "confidence": 0.9, "source_line": 0, **f}
        for f in found
    ]
    return {"findings": items}


def _hunt(cli: Any, root: Path, server: ScriptedServer, *extra: Any) -> tuple[int, dict[str, Any]]:
    done = cli(
        "scan", root, "--model", "m", "--hunt", "--no-cache", "--analyzer", "patterns", "-f", "json", *extra
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_an_inventing_model_cannot_fail_the_build(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    code = APP.replace('os.system("ls " + request.args["d"])', 'os.system("ls")')
    with ScriptedServer("openai", _inventing_brain) as server:
        config = (
            f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m"\n'
            'zone = "local"\ntimeout_s = 5\n'
        )
        root = write_tree(tmp_path / "repo", {"app.py": code, "vulnhound.toml": config})
        rc, doc = _hunt(cli, root, server)
        rc_counted, _ = _hunt(cli, root, server, "--count-unverified")
        real = write_tree(tmp_path / "real", {"app.py": APP, "vulnhound.toml": config})
        rc_real, doc_real = _hunt(cli, real, server)
    model = [f for f in doc["findings"] if f["rule_id"].startswith("model/")]
    states = sorted((f["properties"]["verification"], f["suppressed"]) for f in model)
    assert states == [("refuted", True), ("unverified", False)]
    refuted = next(f for f in model if f["properties"]["verification"] == "refuted")
    assert (
        refuted["suppression"]["kind"] == "refuted" and "constant" in refuted["suppression"]["justification"]
    )
    unverified = next(f for f in model if f["properties"]["verification"] == "unverified")
    assert unverified["confidence"] == "low" and unverified["properties"]["verification_reason"]
    assert rc == 0  # nothing verified: the invented findings do not fail the build
    assert rc_counted == 1  # unless the team asks for unverified ones to count
    verified = [f for f in doc_real["findings"] if f["properties"].get("verification") == "verified"]
    assert [f["location"]["start_line"] for f in verified] == [8] and rc_real == 1
    (bad_call,) = [
        f for f in doc_real["findings"] if "subprocess.get" in f["properties"].get("verification_reason", "")
    ]
    assert bad_call["suppressed"] and bad_call["properties"]["verification"] == "refuted"


def _helper_brain(prompt: str) -> dict[str, Any]:
    """Claims what the code cannot decide: CWE-89 through an unknown helper."""
    found = [
        {"cwe": "CWE-89", "line": n, "sink_call": "helper", "source_line": 0}
        for n, text in code_lines(prompt)
        if "helper(request" in text
    ]
    return {
        "findings": [
            {"severity": "high", "title": "t", "explanation": "e", "confidence": 0.9, **f} for f in found
        ]
    }


def test_consensus_confirms_an_unverified_finding_only_across_origins(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    def config(url_a: str, url_b: str, origin_a: str, origin_b: str) -> str:
        return "".join(
            f'[[models]]\nname = "{n}"\nprovider = "openai"\nbase_url = "{u}"\nmodel = "{n}"\n'
            f'zone = "local"\ntimeout_s = 5\norigin = "{o}"\n'
            for n, u, o in (("a", url_a, origin_a), ("b", url_b, origin_b))
        )

    code = APP.replace('os.system("ls " + request.args["d"])', 'os.system("ls")')
    with ScriptedServer("openai", _helper_brain) as one, ScriptedServer("openai", _helper_brain) as two:
        results = {}
        for label, origins in (("same", ("qwen", "qwen")), ("different", ("qwen", "zhipu"))):
            root = write_tree(
                tmp_path / label, {"app.py": code, "vulnhound.toml": config(one.url, two.url, *origins)}
            )
            done = cli(
                "scan", root, "--model", "a", "--model", "b", "--hunt", "--consensus", "2",
                "--no-cache", "--analyzer", "patterns", "-f", "json",
            )  # fmt: skip
            (finding,) = [f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "model/CWE-89"]
            results[label] = (done.returncode, finding["properties"]["verification"])
    assert results == {"same": (0, "unverified"), "different": (1, "confirmed-by-consensus")}


def test_a_call_cited_through_the_wrong_module_is_refuted() -> None:
    code = "import requests\nimport subprocess\n\n\ndef fetch(url):\n    return requests.get(url)\n"
    verifier = _verifier({"lib.py": code})
    verdict = verifier.check(Claim("lib.py", "CWE-78", 6, "subprocess.get"))
    assert verdict.status == REFUTED and "no call to 'subprocess.get'" in verdict.reason
    assert verifier.check(Claim("lib.py", "CWE-918", 6, "requests.get")).status != REFUTED
