"""A misspelled ``VULNHOUND_*`` variable is reported with the closest known name, not ignored
silently (nor failed on: CI environments carry variables of their own)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO_ROOT, RunCli, WriteTree
from vulnhound.config import environment_warnings, load_config

WEAK_HASH = "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"  # medium


def test_a_misspelled_variable_is_named_with_the_closest_setting() -> None:
    env = {"VULNHOUND_FAIL_0N": "low", "VULNHOUND_FAIL_ON": "high", "PATH": "/bin", "VULNHOUND_XYZZY": "1"}
    warnings = environment_warnings(env)
    assert len(warnings) == 2
    assert "VULNHOUND_FAIL_0N" in warnings[0] and "did you mean VULNHOUND_FAIL_ON?" in warnings[0]
    assert "VULNHOUND_XYZZY" in warnings[1] and "did you mean" not in warnings[1]


def test_variables_the_project_reads_elsewhere_are_known() -> None:
    """Every VULNHOUND_* name the project's code, docs and CI use: none is reported."""
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for folder in ("src", "tests", "docs", ".ci")
        for p in (REPO_ROOT / folder).rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".md", ".toml", ".yml", ".yaml", ""}
        and p.name != Path(__file__).name
    ]
    texts += [(REPO_ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "action.yml")]
    names = {m for text in texts for m in re.findall(r"\bVULNHOUND_[A-Z0-9_]*[A-Z0-9]\b", text)}
    names.discard("VULNHOUND_FLAGS")  # a constant in tests/bench/test_pysec_eval.py, not a variable
    names.discard("VULNHOUND_FAIL_0N")  # the misspelling docs/configuration.md shows
    assert {"VULNHOUND_RUN_SLOW", "VULNHOUND_CACHE_DIR", "VULNHOUND_FAIL_ON"} <= names
    assert environment_warnings(dict.fromkeys(names, "1")) == []


def test_a_models_api_key_variable_is_known(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "p",
        {
            "vulnhound.toml": '[[models]]\nname = "glm"\nprovider = "openai"\nmodel = "glm-4"\n'
            'base_url = "http://127.0.0.1:9/v1"\napi_key_env = "VULNHOUND_GLM_KEY"\n'
        },
    )
    config = load_config(root)
    env = {"VULNHOUND_GLM_KEY": "secret", "VULNHOUND_GLM_KYE": "secret"}
    assert environment_warnings(env, config) == [
        "environment variable VULNHOUND_GLM_KYE is not a vulnhound setting "
        "(did you mean VULNHOUND_GLM_KEY?); ignored"
    ]


def test_a_section_key_says_it_belongs_in_a_file() -> None:
    (warning,) = environment_warnings({"VULNHOUND_MODELS": "glm"})
    assert "VULNHOUND_MODELS" in warning and "config file" in warning


def test_the_cli_warns_on_stderr_and_carries_on(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"app.py": WEAK_HASH})
    # the misspelt variable sets nothing: the medium finding does not fail the default threshold
    proc = cli("scan", root, env={"VULNHOUND_FAIL_0N": "medium"})
    assert proc.returncode == 0, proc.stderr
    assert "warning: environment variable VULNHOUND_FAIL_0N" in proc.stderr
    assert "did you mean VULNHOUND_FAIL_ON?" in proc.stderr
    assert "VULNHOUND_FAIL_0N" not in proc.stdout
    quiet = cli("scan", root, "--quiet", env={"VULNHOUND_FAIL_0N": "medium"})
    assert "VULNHOUND_FAIL_0N" in quiet.stderr  # a warning, so --quiet keeps it
    spelt = cli("scan", root, env={"VULNHOUND_FAIL_ON": "medium", "VULNHOUND_RUN_SLOW": "1"})
    assert spelt.returncode == 1 and "warning" not in spelt.stderr
