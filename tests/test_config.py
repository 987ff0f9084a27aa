"""Configuration: discovery, file formats, precedence, and errors that name the key and the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree
from vulnhound import Confidence, ConfigError, Severity
from vulnhound.config import Config, load_config

MEDIUM = "import hashlib\nhashlib.md5(b'x')\n"  # a medium finding: exit 1 only when fail_on <= medium


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.fail_on is Severity.HIGH and config.source == "defaults"


def test_pyproject_section_found_from_a_subdirectory(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.vulnhound]\nfail_on = "medium"\nexclude = ["skip/"]\n',
            "pkg/sub/a.py": MEDIUM,
            "pkg/sub/skip/b.py": MEDIUM,
        },
    )
    config = load_config(root / "pkg" / "sub")
    assert config.fail_on is Severity.MEDIUM and config.exclude == ("skip/",)
    assert "pyproject.toml" in config.source
    assert cli("scan", root / "pkg" / "sub").returncode == 1  # fail_on from the file
    assert cli("scan", root / "pkg" / "sub" / "a.py").returncode == 1  # discovery from a file target


def test_pyproject_without_section_is_passed_over(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path,
        {"vulnhound.toml": 'fail_on = "low"\n', "inner/pyproject.toml": '[project]\nname = "x"\n'},
    )
    assert load_config(root / "inner").fail_on is Severity.LOW


def test_vulnhound_toml_top_level_keys_win_over_pyproject(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path,
        {
            "vulnhound.toml": 'fail_on = "critical"\nmin-confidence = "medium"\n',
            "pyproject.toml": '[tool.vulnhound]\nfail_on = "low"\n',
        },
    )
    config = load_config(root)
    assert config.fail_on is Severity.CRITICAL
    assert config.min_confidence is Confidence.MEDIUM  # dashes accepted
    assert config.source.endswith("vulnhound.toml")


def test_explicit_config_file_skips_discovery(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "proj", {"vulnhound.toml": 'fail_on = "critical"\n', "a.py": MEDIUM})
    other = write_tree(tmp_path / "cfg", {"ci.toml": 'fail_on = "medium"\n'})
    assert cli("scan", root).returncode == 0
    assert cli("scan", root, "--config", other / "ci.toml").returncode == 1
    assert load_config(root, config_file=other / "ci.toml").fail_on is Severity.MEDIUM


def test_precedence_cli_over_env_over_file_over_defaults(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "proj", {"vulnhound.toml": 'fail_on = "low"\nmax_file_size = 10\n'})
    env = {"VULNHOUND_FAIL_ON": "medium", "VULNHOUND_MAX_FILE_SIZE": "20", "UNRELATED": "x"}
    assert load_config(tmp_path / "elsewhere").fail_on is Severity.HIGH  # defaults
    assert load_config(root).fail_on is Severity.LOW  # file
    from_env = load_config(root, environ=env)
    assert (from_env.fail_on, from_env.max_file_size) == (Severity.MEDIUM, 20)
    from_cli = load_config(root, environ=env, overrides={"fail_on": "critical", "max_file_size": None})
    assert (from_cli.fail_on, from_cli.max_file_size) == (Severity.CRITICAL, 20)


def test_precedence_through_the_cli(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"vulnhound.toml": 'fail_on = "critical"\n', "a.py": MEDIUM})
    assert cli("scan", root).returncode == 0  # file: critical
    assert cli("scan", root, env={"VULNHOUND_FAIL_ON": "medium"}).returncode == 1  # env beats file
    assert cli("scan", root, "--fail-on", "high", env={"VULNHOUND_FAIL_ON": "medium"}).returncode == 0


@pytest.mark.parametrize(
    ("filename", "content", "key"),
    [
        ("vulnhound.toml", "fail_onn = 'high'\n", "fail_onn"),
        ("vulnhound.toml", "max_file_size = 'big'\n", "max_file_size"),
        ("vulnhound.toml", "exclude = 'tests/'\nstrict = 3\n", "strict"),
        ("vulnhound.toml", "min_severity = 'urgent'\n", "min_severity"),
        ("pyproject.toml", "[tool.vulnhound]\nincludes = ['src/**']\n", "includes"),
        ("pyproject.toml", "[tool.vulnhound]\ninclude = [1, 2]\n", "include"),
        ("pyproject.toml", "[tool.vulnhound]\nrespect_gitignore = 'perhaps'\n", "respect_gitignore"),
    ],
)
def test_bad_key_or_type_exits_2_naming_key_and_file(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree, filename: str, content: str, key: str
) -> None:
    root = write_tree(tmp_path / "p", {filename: content, "a.py": MEDIUM})
    proc = cli("scan", root)
    assert proc.returncode == 2
    assert f"'{key}'" in proc.stderr, proc.stderr
    assert str(root / filename) in proc.stderr, proc.stderr
    assert proc.stdout == ""
    with pytest.raises(ConfigError, match=key):
        load_config(root)


def test_bad_environment_value_names_the_variable(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"a.py": MEDIUM})
    proc = cli("scan", root, env={"VULNHOUND_MAX_FILE_SIZE": "-5"})
    assert proc.returncode == 2
    assert "VULNHOUND_MAX_FILE_SIZE" in proc.stderr


def test_invalid_toml_and_missing_config_file(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"vulnhound.toml": "fail_on = \n", "a.py": MEDIUM})
    proc = cli("scan", root)
    assert proc.returncode == 2 and "vulnhound.toml" in proc.stderr and "TOML" in proc.stderr
    missing = cli("scan", root, "--config", tmp_path / "nope.toml")
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_paths_in_a_config_file_are_relative_to_it(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "proj",
        {"vulnhound.toml": 'baseline = "ci/base.json"\nrule_files = ["rules/extra.toml"]\n'},
    )
    config = load_config(root / "src")
    assert config.baseline == str(root / "ci" / "base.json")
    assert config.rule_files == (str(root / "rules" / "extra.toml"),)
    from_env = load_config(root, environ={"VULNHOUND_BASELINE": "rel.json"})
    assert from_env.baseline == "rel.json"  # environment and CLI paths are relative to the working directory


def test_taint_parameters_from_file_env_and_cli(cli: RunCli, tmp_path: Path) -> None:
    """Library code has no web entry points: parameters can be declared untrusted."""
    root = tmp_path / "lib"
    root.mkdir()
    (root / "lib.py").write_text("import os\n\n\ndef run(n):\n    os.system('ls ' + n)\n")

    def rules(*extra: str | Path, env: dict[str, str] | None = None) -> list[str]:
        proc = cli("scan", "-f", "json", *extra, root, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        return [f["rule_id"] for f in json.loads(proc.stdout)["findings"]]

    assert rules() == []
    assert rules("--taint-parameters") == ["py/command-injection"]
    assert rules(env={"VULNHOUND_TAINT_PARAMETERS": "true"}) == ["py/command-injection"]
    (root / "vulnhound.toml").write_text("taint_parameters = true\n")
    assert rules() == ["py/command-injection"]
    (root / "vulnhound.toml").write_text('taint_parameters = "sometimes"\n')
    bad = cli("scan", root)
    assert bad.returncode == 2 and "taint_parameters" in bad.stderr and "vulnhound.toml" in bad.stderr
