"""Whole runs against a loopback model: plans that match runs, placeholders that stay
placeholders in every report, and a laundered ledger that stops the scan."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .servers import Act, ScriptedServer

AWS_KEY = "AKIA" + "ZK4QW7RT2MXN9PLB"
DB_PASSWORD = "Vq7-owl-Feather-41"
INI_PASSWORD = "owlfeather"
ENV_TOKEN = "Tk3" + "q9LmWx2Pz8RvB6Yn"
SECRETS = (AWS_KEY, DB_PASSWORD, INI_PASSWORD, ENV_TOKEN)

FILES = {
    "app/settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\nDEBUG = False\n',
    "app/db.py": (
        "import sqlite3\n"
        "\n"
        "from flask import Flask, request\n"
        "\n"
        "app = Flask(__name__)\n"
        f'DSN = "postgresql://shop:{DB_PASSWORD}@db.internal/shop"\n'
        "\n"
        "\n"
        '@app.route("/item")\n'
        "def item():\n"
        "    db = sqlite3.connect(DSN)\n"
        "    return db.execute(\"SELECT * FROM items WHERE id = '\" + request.args['id'] + \"'\").fetchall()\n"
        "\n"
        "\n"
        '@app.route("/user")\n'
        "def user():\n"
        "    db = sqlite3.connect(DSN)\n"
        "    return db.execute(\"SELECT * FROM users WHERE name = '\" + request.args['n'] + \"'\").fetchall()\n"
    ),
    "config/app.ini": f"[db]\nuser = shop\npassword = {INI_PASSWORD}\n",
    ".env": f"API_TOKEN={ENV_TOKEN}\n",
}

PLACEHOLDER = re.compile(r"<<VH_SECRET_\d+>>")


def _quoting_brain(prompt: str) -> dict[str, Any]:
    """A model that quotes every placeholder it was shown, in every field it fills."""
    quoted = " ".join(sorted(set(PLACEHOLDER.findall(prompt)))) or "nothing"
    if "Is this finding a true positive?" in prompt:
        return {"verdict": "true_positive", "rationale": f"the values {quoted} are live", "confidence": 0.9}
    lines = [int(n) for n in re.findall(r"^\s*(\d+) \| .*<<VH_SECRET_", prompt, re.MULTILINE)]
    return {
        "findings": [
            {
                "cwe": "CWE-200",
                "line": line,
                "severity": "high",
                "title": f"hard-coded {quoted}",
                "explanation": f"the secret {quoted} is in the code",
                "confidence": 0.9,
            }
            for line in lines
        ]
    }


def _config(url: str, extra: str = "") -> str:
    return (
        f'[[models]]\nname = "cloud"\nprovider = "openai"\nbase_url = "{url}"\nmodel = "m"\n'
        f'zone = "foreign-cloud"\ntimeout_s = 5\nmax_concurrency = 8\nbackoff_base_s = 0.01\n{extra}'
    )


def _repo(tmp_path: Path, write_tree: Any, config: str) -> Path:
    return write_tree(tmp_path / "repo", {**FILES, "vulnhound.toml": config})


def test_placeholders_quoted_by_a_model_never_become_secrets_in_reports(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", _quoting_brain) as server:
        root = _repo(tmp_path, write_tree, _config(server.url))
        outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "text", "markdown")}
        flags = [item for fmt, path in outputs.items() for item in (f"--{fmt}-output", path)]
        done = cli("scan", root, "--model", "cloud", "--hunt", "--triage", "--no-cache", *flags)
    assert done.returncode == 1, done.stderr
    wire = b"\n".join(server.raw).decode("utf-8")
    for secret in SECRETS:
        assert secret not in wire, secret
    reports = {fmt: path.read_text(encoding="utf-8") for fmt, path in outputs.items()}
    reports["stdout"] = done.stdout
    for name, text in reports.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    doc = json.loads(reports["json"])
    rationales = [f["triage"]["rationale"] for f in doc["findings"] if f.get("triage")]
    assert any(PLACEHOLDER.search(r) for r in rationales)  # quoted, and left as quoted
    assert any(PLACEHOLDER.search(f["message"]) for f in doc["findings"] if f["rule_id"].startswith("model/"))


def test_a_secret_a_model_somehow_knows_is_hidden_from_reports(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    def leaky(prompt: str) -> dict[str, Any]:
        if "Is this finding a true positive?" in prompt:
            return {"verdict": "true_positive", "rationale": f"it is {DB_PASSWORD}", "confidence": 0.9}
        return {"findings": []}

    with ScriptedServer("openai", leaky) as server:
        root = _repo(tmp_path, write_tree, _config(server.url))
        done = cli("scan", root, "--model", "cloud", "--triage", "--no-cache", "-f", "json")
    assert done.returncode == 1, done.stderr
    assert DB_PASSWORD not in done.stdout


def _plan(cli: Any, root: Path, out: Path, *extra: str) -> dict[str, Any]:
    done = cli(
        "scan",
        root,
        "--model",
        "cloud",
        "--hunt",
        "--triage",
        "--plan",
        "-o",
        out,
        "--ledger",
        out.with_suffix(".ledger"),
        *extra,
    )
    assert done.returncode == 0, done.stderr
    plan: dict[str, Any] = json.loads(out.read_text())
    return plan


def test_plans_are_identical_and_list_every_payload_a_run_sends(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", _quoting_brain, latency=0.01) as server:
        root = _repo(tmp_path, write_tree, _config(server.url))
        plans = [_plan(cli, root, tmp_path / f"plan{i}.json") for i in range(3)]
        assert server.count == 0
        assert plans[0] == plans[1] == plans[2]  # same units, bytes, hashes, whatever the thread order
        assert plans[0]["totals"]["redactions"] >= len(SECRETS)
        done = cli("scan", root, "--model", "cloud", "--hunt", "--triage", "-f", "json")
        assert done.returncode == 1, done.stderr
        sent = {hashlib.sha256(raw).hexdigest() for raw in server.raw}
        planned = {u["sha256"] for u in plans[0]["units"]}
        assert sent == planned
        # The run filled the response cache; a plan must still list what a cache-less run sends.
        warm = _plan(cli, root, tmp_path / "warm.json")
        assert {u["sha256"] for u in warm["units"]} == planned


def test_fallback_payloads_are_planned_and_what_a_failing_run_sends_is_covered(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    def failing(_n: int, _body: dict[str, Any]) -> Act:
        return Act(kind="status", status=500)

    with (
        ScriptedServer("openai", _quoting_brain, failing) as bad,
        ScriptedServer("openai", _quoting_brain) as good,
    ):
        config = _config(bad.url, 'fallback = ["backup"]\nmax_retries = 0\n') + (
            f'\n[[models]]\nname = "backup"\nprovider = "anthropic"\nbase_url = "{good.url}"\n'
            'model = "b"\nzone = "foreign-cloud"\ntimeout_s = 5\n'
        )
        root = _repo(tmp_path, write_tree, config)
        plan = _plan(cli, root, tmp_path / "plan.json")
        fallbacks = {u["sha256"] for u in plan["units"] if u["fallback"]}
        assert fallbacks and plan["totals"]["fallback_requests"] == len(fallbacks)
        done = cli("scan", root, "--model", "cloud", "--triage", "--no-cache", "-f", "json")
        assert done.returncode == 1, done.stderr
    sent = {hashlib.sha256(raw).hexdigest() for raw in bad.raw + good.raw}
    assert good.count > 0 and sent <= {u["sha256"] for u in plan["units"]}


def test_a_truncated_ledger_stops_the_scan_before_anything_is_sent(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", _quoting_brain) as server:
        root = _repo(tmp_path, write_tree, _config(server.url))
        ledger = tmp_path / "ledger.jsonl"
        first = cli("scan", root, "--model", "cloud", "--triage", "--ledger", ledger)
        assert first.returncode == 1, first.stderr
        sent_before = server.count
        lines = ledger.read_bytes().splitlines(keepends=True)
        ledger.write_bytes(b"".join(lines[:2]))  # launder: keep two entries
        again = cli("scan", root, "--model", "cloud", "--triage", "--ledger", ledger)
        assert again.returncode == 2
        assert "refusing to append" in again.stderr and str(ledger) in again.stderr
        assert server.count == sent_before
        verify = cli("audit", "verify", ledger)
        assert verify.returncode == 1, verify.stdout
