"""The real CLI with models: SARIF names the model, cache across runs, flags, plan, models check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .servers import Act, ScriptedServer, hunting_brain

BRAIN = hunting_brain({"os.system": "CWE-78", "hashlib.md5": "CWE-328"})
APP = {
    "app.py": "import hashlib\nimport os\n\n\ndef run(cmd):\n    os.system(cmd)\n\n\ndef digest(d):\n    return hashlib.md5(d).hexdigest()  # test only\n",
}


def config_text(*models: tuple[str, str, str], extra: str = "") -> str:
    out = []
    for name, provider, url in models:
        out.append(
            f'[[models]]\nname = "{name}"\nprovider = "{provider}"\nbase_url = "{url}"\nmodel = "{name}-1"\n'
            f'zone = "local"\ntimeout_s = 2\nbackoff_base_s = 0.01\nmax_retries = 1\n'
            f"price_in_per_mtok = 1.0\nprice_out_per_mtok = 2.0\n{extra}\n"
        )
    return "\n".join(out)


def repo(tmp_path: Path, write_tree: Any, config: str) -> Path:
    return write_tree(tmp_path / "repo", {**APP, "vulnhound.toml": config})


# The hunted `os.system(cmd)` is unverified (a library parameter passed whole is its callers'
# business): --count-unverified lets these runs fail on it, as a team may choose to.
def test_hunt_findings_reach_sarif_naming_the_model_and_cache_spares_the_second_run(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        root = repo(tmp_path, write_tree, config_text(("glm", "openai", server.url)))
        first = cli(
            "scan",
            root,
            "--model",
            "glm",
            "--hunt",
            "--triage",
            "--count-unverified",
            "-f",
            "sarif",
            "-o",
            tmp_path / "a.sarif",
        )
        sent = server.count
        second = cli("scan", root, "--model", "glm", "--hunt", "--triage", "--count-unverified", "-f", "json")
    assert first.returncode == 1, first.stderr
    assert sent == 3  # two hunted units and one triaged engine finding
    assert server.count == sent, "the second scan must be served from the cache"
    sarif = json.loads((tmp_path / "a.sarif").read_text())
    results = sarif["runs"][0]["results"]
    model_results = [r for r in results if r["ruleId"] == "model/CWE-78"]
    assert model_results, results
    assert "glm" in json.dumps(model_results[0].get("properties", {})) + model_results[0]["message"]["text"]
    assert second.returncode == 1, second.stderr
    assert (root / ".vulnhound" / "cache.sqlite").is_file()


def test_no_cache_sends_again(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        root = repo(tmp_path, write_tree, config_text(("glm", "openai", server.url)))
        cli("scan", root, "--model", "glm", "--hunt", "-f", "json")
        sent = server.count
        result = cli(
            "scan", root, "--model", "glm", "--hunt", "--no-cache", "--count-unverified", "-f", "json"
        )
    assert result.returncode == 1, result.stderr
    assert sent == 2 and server.count == 4


def test_model_flags_are_validated(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    root = repo(tmp_path, write_tree, config_text(("glm", "openai", "http://127.0.0.1:9/v1")))
    cases = [
        (["--hunt"], "needs at least one --model"),
        (["--model", "glm"], "needs --triage, --hunt and/or --infer-specs"),
        (["--model", "glm", "--hunt", "--offline"], "--offline refuses model use"),
        (["--model", "nope", "--hunt"], "no such model"),
        (["--model", "glm", "--hunt", "--consensus", "2"], "--consensus must be between"),
    ]
    for flags, message in cases:
        result = cli("scan", root, *flags)
        assert result.returncode == 2 and message in result.stderr, (flags, result.stderr)
    (root / "vulnhound.toml").write_text(
        config_text(("glm", "openai", "http://127.0.0.1:9/v1")).replace('zone = "local"\n', "")
    )
    result = cli("scan", root, "--model", "glm", "--hunt")
    assert result.returncode == 2 and "has no 'zone'" in result.stderr, result.stderr


def test_unreachable_model_still_reports_deterministic_findings(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", BRAIN, lambda n, b: Act("drop")) as server:
        root = repo(tmp_path, write_tree, config_text(("glm", "openai", server.url)))
        result = cli("scan", root, "--model", "glm", "--hunt", "-f", "json")
    assert result.returncode == 0, result.stderr  # medium findings only; the model failure is no error
    doc = json.loads(result.stdout)
    assert any(f["rule_id"] == "py/weak-hash" for f in doc["findings"])
    skipped = [s for s in doc["skipped"] if s["reason"] == "model-unavailable"]
    assert {s["analyzer"] for s in skipped} == {"hunt:glm"} and len(skipped) == 2
    assert server.count == 4  # each unit tried twice (one retry), then given up


def test_budget_flag_stops_model_work(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        root = repo(tmp_path, write_tree, config_text(("glm", "openai", server.url)))
        result = cli("scan", root, "--model", "glm", "--hunt", "--budget-tokens", "10", "-f", "json")
    doc = json.loads(result.stdout)
    assert server.count == 0
    assert [s["reason"] for s in doc["skipped"]] == ["budget", "budget"]


def test_models_check_reports_latency_and_structured_output(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with (
        ScriptedServer("openai", lambda _p: {"ok": True, "echo": "vulnhound"}) as good,
        ScriptedServer("anthropic", lambda _p: {"ok": True, "echo": "vulnhound"}) as claude,
        ScriptedServer("openai", BRAIN, lambda n, b: Act("status", status=500)) as bad,
    ):
        root = repo(
            tmp_path,
            write_tree,
            config_text(
                ("good", "openai", good.url), ("claude", "anthropic", claude.url), ("bad", "openai", bad.url)
            ),
        )
        result = cli("models", "check", root, "--json")
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert result.returncode == 1, result.stderr
    assert rows["good"]["ok"] and rows["good"]["structured_output"] and rows["good"]["latency_s"] > 0
    assert rows["claude"]["ok"]
    assert not rows["bad"]["ok"] and "HTTP 500" in rows["bad"]["error"]
    assert good.count == 1 and claude.count == 1 and bad.count == 1


def test_plan_lists_exactly_what_the_real_run_sends(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    with ScriptedServer("openai", BRAIN) as server:
        root = repo(tmp_path, write_tree, config_text(("glm", "openai", server.url)))
        planned = cli(
            "scan", root, "--model", "glm", "--hunt", "--triage", "--plan", "-o", tmp_path / "plan.json"
        )
        assert planned.returncode == 0, planned.stderr
        assert server.count == 0
        real = cli(
            "scan",
            root,
            "--model",
            "glm",
            "--hunt",
            "--triage",
            "--no-cache",
            "--count-unverified",
            "-f",
            "json",
        )
    assert real.returncode == 1, real.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    import hashlib

    sent = sorted(hashlib.sha256(raw).hexdigest() for raw in server.raw)
    assert sorted(u["sha256"] for u in plan["units"]) == sent and len(sent) == 3


def test_zone_byte_cap_falls_back_to_a_model_in_another_zone(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    with ScriptedServer("openai", BRAIN) as cloud, ScriptedServer("openai", BRAIN) as local:
        text = config_text(("cloud", "openai", cloud.url), ("near", "openai", local.url))
        text = text.replace(
            'model = "cloud-1"\nzone = "local"',
            'model = "cloud-1"\nzone = "foreign-cloud"\nfallback = ["near"]',
        )
        text += '\n[policy]\nmax_bytes_per_scan = { "foreign-cloud" = 10 }\n'
        root = repo(tmp_path, write_tree, text)
        result = cli("scan", root, "--model", "cloud", "--hunt", "--count-unverified", "-f", "json")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert cloud.count == 0 and local.count == 2
    assert any(f["rule_id"] == "model/CWE-78" and "model:near" in f["analyzers"] for f in doc["findings"])
    assert not [s for s in doc["skipped"] if s["reason"] in {"budget", "policy"}]
