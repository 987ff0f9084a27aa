"""Issue 5 end to end through the CLI: a low-trust model, planted canaries, ledger, audit, plan.

No canary and no restricted content may reach the server; blocked units are in the ledger;
the ledger verifies; ``--plan -o`` lists exactly the payload hashes the real run sends.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .servers import ScriptedServer, hunting_brain

AWS_KEY = "AKIA" + "QX7RZ2PLMN4KT6WB"
PEM_BODY = "MIIEowIBAAKCAQEA7bq9Vn3xZkT1sYq2pLmN8cR4wE6uH0jD5fG7aB3eK9iO2lP4"
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "\n-----END RSA PRIVATE KEY-----"
DB_PASSWORD = "Tr0ub4dor-and-3-horses"
MARKER = "RESTRICTED-CANARY-5b1f0c9e"

FILES = {
    "app/service.py": (
        "import os\n"
        "\n"
        "\n"
        "def connect():\n"
        f'    key = "{AWS_KEY}"\n'
        f'    url = "postgresql://admin:{DB_PASSWORD}@db.internal:5432/shop"\n'
        "    return key, url\n"
        "\n"
        "\n"
        "def sign(payload):\n"
        f'    pem = """{PEM}"""\n'
        "    return pem, payload\n"
        "\n"
        "\n"
        "def run(cmd):\n"
        "    os.system(cmd)\n"
    ),
    "restricted/algo.py": f'def secret_sauce(x):\n    tag = "{MARKER}"\n    return eval(x), tag\n',
    "vulnhound.toml": "\n".join(
        [
            "[policy]",
            'zones = ["local", "private-cloud", "foreign-cloud"]',
            'default_class = "internal"',
            "[policy.classes.restricted]",
            'paths = ["restricted/**"]',
            'max_zone = "local"',
            "[policy.classes.internal]",
            'max_zone = "foreign-cloud"',
            "",
        ]
    ),
}


def test_canaries_never_reach_a_low_trust_model(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    brain = hunting_brain({"os.system": "CWE-78", "eval(": "CWE-95"})
    with ScriptedServer("openai", brain) as server:
        model = (
            f'[[models]]\nname = "cloud"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "big"\n'
            'zone = "foreign-cloud"\ntimeout_s = 5\n'
        )
        files = dict(FILES)
        files["vulnhound.toml"] = model + "\n" + FILES["vulnhound.toml"]
        root = write_tree(tmp_path / "repo", files)
        ledger = tmp_path / "ledger.jsonl"
        plan = cli(
            "scan",
            root,
            "--model",
            "cloud",
            "--hunt",
            "--plan",
            "-o",
            tmp_path / "plan.json",
            "--ledger",
            tmp_path / "plan-ledger.jsonl",
        )
        assert plan.returncode == 0, plan.stderr
        assert server.count == 0, "plan mode must send nothing"
        real = cli("scan", root, "--model", "cloud", "--hunt", "--ledger", ledger, "-f", "json")
    assert real.returncode == 1, real.stderr
    wire = b"\n".join(server.raw).decode("utf-8")
    assert server.count == 3  # connect, sign, run; secret_sauce is restricted
    for canary in (AWS_KEY, PEM_BODY, DB_PASSWORD, MARKER, "secret_sauce"):
        assert canary not in wire, canary
    # the model still found the command injection in the code it was allowed to see
    doc = json.loads(real.stdout)
    assert any(f["rule_id"] == "model/CWE-78" for f in doc["findings"])
    policy_skips = [s for s in doc["skipped"] if s["reason"] == "policy"]
    assert [s["path"] for s in policy_skips] == ["restricted/algo.py"]
    entries = [json.loads(line) for line in ledger.read_text().splitlines()]
    blocked = [e for e in entries if e["decision"] == "blocked"]
    assert [e["files"][0]["path"] for e in blocked] == ["restricted/algo.py"]
    assert sum(e["decision"] == "sent" for e in entries) == 3
    assert sum(e["redactions"] for e in entries if e["decision"] == "sent") >= 3
    verify = cli("audit", "verify", ledger)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    planned = json.loads((tmp_path / "plan.json").read_text())
    sent = sorted(hashlib.sha256(raw).hexdigest() for raw in server.raw)
    assert sorted(u["sha256"] for u in planned["units"]) == sent
    assert [b["files"][0]["path"] for b in planned["blocked"]] == ["restricted/algo.py"]
