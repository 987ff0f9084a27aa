"""``--analyzer model:NAME`` with a scripted model on a real loopback HTTP server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli
from tests.models.servers import ScriptedServer, hunting_brain

PAIRS = Path(__file__).resolve().parents[1] / "data" / "bench" / "pairs" / "pairs.jsonl"
# The scripted model "sees" these snippets on a line and reports the CWE there.
BRAIN = hunting_brain(
    {
        "LIKE '%\" +": "CWE-89",
        "pickle.loads": "CWE-502",
        "'/srv/attachments/' +": "CWE-22",
        "shell=True": "CWE-78",
        "hashlib.sha256": "CWE-328",  # a false positive on the safe hash-1 sample
    }
)


def test_scripted_model_scored_and_cached(cli: RunCli, tmp_path: Path) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        config = tmp_path / "vulnhound.toml"
        config.write_text(
            f'[[models]]\nname = "glm"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "glm-1"\n'
            'zone = "local"\ntimeout_s = 5\nmax_retries = 1\nprice_in_per_mtok = 1.0\nprice_out_per_mtok = 2.0\n',
            encoding="utf-8",
        )
        args = ("bench", "run", "--dataset", PAIRS, "--analyzer", "model:glm", "--config", config)
        args += ("--work-dir", tmp_path / "w", "--no-resume")
        first = cli(*args, "-o", tmp_path / "a.json")
        sent = server.count
        second = cli(*args, "-o", tmp_path / "b.json")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert sent > 0 and server.count == sent, "the second run must be served from the response cache"
    a = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    (model,) = a["analyzers"]
    assert model["identity"]["kind"] == "model" and model["identity"]["model_id"] == "glm-1"
    assert model["identity"]["prompt_hashes"]
    flagged = sorted(s["id"] for s in model["samples"] if s["flagged"])
    assert flagged == ["cmd-1-vuln", "hash-1", "path-1-vuln", "pickle-1-vuln", "sql-1-vuln"]
    overall = model["overall"]
    assert (overall["tp"], overall["fp"], overall["tn"], overall["fn"]) == (4, 1, 4, 0)
    assert overall["pairs"] == {"pairs": 4, "right": 4, "accuracy": 1.0}
    assert model["usage"]["tokens_in"] > 0 and model["usage"]["cost_usd"] > 0
    assert [s["flagged"] for s in b["analyzers"][0]["samples"]] == [s["flagged"] for s in model["samples"]]
    assert b["analyzers"][0]["overall"] == overall
