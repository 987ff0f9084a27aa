"""`--analyzer engine+specs:NAME` and `engine+hunt:NAME`: one bench run shows what a model adds
to the engine (recall, false alarms, tokens, cost and bytes sent per true finding)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import RunCli
from tests.models.servers import ScriptedServer, hunting_brain

VULN = """\
import fastdb
from flask import Flask, request

app = Flask(__name__)


def run_query(sql):
    return fastdb.submit(sql)


@app.route("/items")
def items():
    return str(run_query("SELECT * FROM items WHERE name = '" + request.args["n"] + "'"))
"""

SAFE = VULN.replace(
    """run_query("SELECT * FROM items WHERE name = '" + request.args["n"] + "'")""",
    """run_query("SELECT * FROM items WHERE name = 'fixed'")""",
)


def _brain(prompt: str) -> dict[str, Any]:
    if "`fastdb.submit`" in prompt:
        return {
            "role": "sink",
            "kind": "sql",
            "argument": 0,
            "clears": [],
            "reason": "runs SQL",
            "confidence": 0.9,
        }
    if "Label " in prompt:
        return {"role": "none", "kind": "", "argument": -1, "clears": [], "reason": "-", "confidence": 0.5}
    return hunting_brain({"fastdb.submit": "CWE-89"})(prompt)


def test_one_run_scores_the_engine_alone_and_with_a_model(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "vuln.py").write_text(VULN, encoding="utf-8")
    (tmp_path / "safe.py").write_text(SAFE, encoding="utf-8")
    rows = [
        {"id": "sql-vuln", "path": "vuln.py", "label": "vulnerable", "cwe": ["CWE-89"], "pair_id": "p"},
        {"id": "sql-safe", "path": "safe.py", "label": "safe", "cwe": ["CWE-89"], "pair_id": "p"},
    ]
    dataset = tmp_path / "wrapped.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with ScriptedServer("openai", _brain) as server:
        config = tmp_path / "vulnhound.toml"
        config.write_text(
            f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m-1"\n'
            'zone = "local"\ntimeout_s = 5\nprice_in_per_mtok = 1.0\nprice_out_per_mtok = 2.0\n',
            encoding="utf-8",
        )
        done = cli(
            "bench", "run", "--dataset", dataset, "--config", config, "--work-dir", tmp_path / "w", "--no-resume",
            "--analyzer", "engine", "--analyzer", "engine+specs:m", "--analyzer", "engine+hunt:m",
            "-o", tmp_path / "r.json",
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by_name = {a["name"]: a for a in report["analyzers"]}
    flagged = {name: sorted(s["id"] for s in a["samples"] if s["flagged"]) for name, a in by_name.items()}
    assert flagged == {"engine": [], "engine+specs:m": ["sql-vuln"], "engine+hunt:m": ["sql-vuln"]}
    specs = by_name["engine+specs:m"]
    assert specs["identity"]["kind"] == "pipeline" and specs["identity"]["mode"] == "specs"
    usage = specs["usage"]
    assert usage["tokens_in"] > 0 and usage["bytes_sent"] > 0 and usage["cost_usd"] > 0
    assert usage["bytes_sent_per_tp"] == usage["bytes_sent"]  # one true positive
    assert (
        by_name["engine"]["usage"]["bytes_sent"] == 0
        and by_name["engine"]["usage"]["bytes_sent_per_tp"] is None
    )
    assert not (tmp_path / ".vulnhound" / "specs.toml").exists()  # the dataset tree is not written to
