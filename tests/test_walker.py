"""Which files a scan reads: .gitignore, default excludes, globs, language detection, size limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import RunCli, WriteTree
from vulnhound import Config, SkipReason, scan
from vulnhound.walker import walk

MD5 = "import hashlib\nhashlib.md5(b'x')\n"


def _walked(root: Path, **options: object) -> dict[str, str]:
    result = walk([root], **options)  # type: ignore[arg-type]
    return {c.path: c.language for c in result.candidates}


def _scanned_paths(cli: RunCli, *args: str | Path, env: dict[str, str] | None = None) -> set[str]:
    proc = cli("scan", "-f", "json", *args, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return {f["location"]["path"] for f in json.loads(proc.stdout)["findings"]}


def test_gitignore_at_root_and_nested(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "p",
        {
            ".gitignore": "secret_*.py\ngenerated/\n!secret_keep.py\n",
            "app.py": MD5,
            "secret_one.py": MD5,
            "secret_keep.py": MD5,
            "generated/out.py": MD5,
            "sub/.gitignore": "local.py\n/anchored.py\n",
            "sub/local.py": MD5,
            "sub/anchored.py": MD5,
            "sub/deeper/local.py": MD5,
            "sub/deeper/anchored.py": MD5,
            "other/local.py": MD5,
        },
    )
    assert set(_walked(root)) == {
        "app.py",
        "secret_keep.py",
        "sub/deeper/anchored.py",  # "/anchored.py" matches only beside sub/.gitignore
        "other/local.py",  # sub/.gitignore does not reach a sibling directory
    }
    everything = _walked(root, respect_gitignore=False)
    assert {"secret_one.py", "generated/out.py", "sub/local.py", "sub/deeper/local.py"} <= set(everything)


def test_gitignore_above_a_target_subdirectory_applies(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {".gitignore": "*_gen.py\n", "src/a.py": MD5, "src/b_gen.py": MD5})
    result = walk([root, root / "src"])
    assert [c.path for c in result.candidates] == ["src/a.py"]


@pytest.mark.parametrize(
    "folder", [".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", "x.egg-info", ".tox"]
)
def test_default_excludes(tmp_path: Path, write_tree: WriteTree, folder: str) -> None:
    root = write_tree(tmp_path / "p", {f"{folder}/mod.py": MD5, f"pkg/{folder}/mod.py": MD5, "keep.py": MD5})
    assert set(_walked(root)) == {"keep.py"}


def test_default_excludes_match_directories_only(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"build.py": MD5, "dist.py": MD5, "venv.py": MD5})
    assert set(_walked(root)) == {"build.py", "dist.py", "venv.py"}


def test_include_and_exclude_globs_on_the_cli(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "p",
        {"src/app.py": MD5, "src/legacy/old.py": MD5, "tests/test_app.py": MD5, "tools/run.py": MD5},
    )
    assert _scanned_paths(cli, root) == {
        "src/app.py",
        "src/legacy/old.py",
        "tests/test_app.py",
        "tools/run.py",
    }
    assert _scanned_paths(cli, root, "--include", "src/**") == {"src/app.py", "src/legacy/old.py"}
    assert _scanned_paths(cli, root, "--exclude", "tests/", "--exclude", "**/legacy/") == {
        "src/app.py",
        "tools/run.py",
    }
    both = _scanned_paths(cli, root, "--include", "src/**", "--exclude", "legacy/")
    assert both == {"src/app.py"}
    from_env = _scanned_paths(cli, root, env={"VULNHOUND_EXCLUDE": "tests/,tools/"})
    assert from_env == {"src/app.py", "src/legacy/old.py"}


def test_language_by_extension_and_shebang(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(
        tmp_path / "p",
        {
            "tool": "#!/usr/bin/env python3\n" + MD5,
            "direct": "#!/usr/bin/python3.11 -u\n" + MD5,
            "deploy": "#!/bin/sh\necho hi\n",
            "README": "just words\n",
            "notes.txt": "#!/usr/bin/env python3\n",
            "mod.py": MD5,
            "gui.pyw": MD5,
            "web.js": "let a = 1;\n",
        },
    )
    assert _walked(root) == {
        "tool": "python",
        "direct": "python",
        "deploy": "shell",
        "mod.py": "python",
        "gui.pyw": "python",
        "web.js": "javascript",
    }
    result = scan([root], Config())
    assert {f.location.path for f in result.active} == {"tool", "direct", "mod.py", "gui.pyw"}


def test_configuration_files_are_read_for_secrets(tmp_path: Path, write_tree: WriteTree) -> None:
    """Secrets live in .env and YAML files as often as in code; lock files are generated noise."""
    root = write_tree(
        tmp_path / "p",
        {
            ".env": "DATABASE_URL=postgres://admin:S3cr3tP4ssw0rd9@db.internal:5432/prod\n",
            ".env.production": "X=1\n",
            "deploy/config.yml": "aws:\n  access_key_id: AKIAIOSFODNN7EXAMPLF\n",
            "settings.json": "{}\n",
            "package-lock.json": "{}\n",
        },
    )
    assert _walked(root) == {
        ".env": "dotenv",
        ".env.production": "dotenv",
        "deploy/config.yml": "yaml",
        "settings.json": "json",
    }
    result = scan([root], Config())
    flagged = {(f.location.path, f.cwe[0]) for f in result.active}
    assert flagged == {(".env", "CWE-798"), ("deploy/config.yml", "CWE-798")}


def test_max_file_size_from_config_and_cli(cli: RunCli, tmp_path: Path, write_tree: WriteTree) -> None:
    big = MD5 + "# padding\n" * 30
    root = write_tree(
        tmp_path / "p", {"small.py": MD5, "big.py": big, "vulnhound.toml": "max_file_size = 100\n"}
    )
    result = scan([root], Config(max_file_size=100))
    assert [(s.path, s.reason) for s in result.skipped] == [("big.py", SkipReason.TOO_LARGE)]
    assert str(len(big.encode())) in result.skipped[0].detail and "100" in result.skipped[0].detail
    assert _scanned_paths(cli, root) == {"small.py"}  # from vulnhound.toml
    assert _scanned_paths(cli, root, "--max-file-size", "100000") == {"small.py", "big.py"}


def test_links_inside_root_are_read_once_under_the_real_path(tmp_path: Path, write_tree: WriteTree) -> None:
    root = write_tree(tmp_path / "p", {"real/mod.py": MD5, "build/gen.py": MD5})
    (root / "alias").symlink_to(root / "real", target_is_directory=True)  # sorts before "real"
    (root / "link.py").symlink_to(root / "real" / "mod.py")
    (root / "gen_link.py").symlink_to(root / "build" / "gen.py")  # target excluded: read via the link
    result = walk([root])
    assert [c.path for c in result.candidates] == ["gen_link.py", "real/mod.py"]
    assert result.skipped == []
    findings = scan([root], Config()).active
    assert sorted(f.location.path for f in findings) == ["gen_link.py", "real/mod.py"]


def test_explicit_link_targets_are_followed_or_reported(
    cli: RunCli, tmp_path: Path, write_tree: WriteTree
) -> None:
    write_tree(tmp_path / "real", {"mod.py": MD5})
    links = tmp_path / "links"
    links.mkdir()
    (links / "file.py").symlink_to(tmp_path / "real" / "mod.py")
    (links / "dir").symlink_to(tmp_path / "real", target_is_directory=True)
    (links / "loop.py").symlink_to("loop.py")
    (links / "dangling.py").symlink_to("nowhere.py")
    for named in ("file.py", "dir"):  # a target the user names is scanned even if it is a link
        proc = cli("scan", "-f", "json", "--fail-on", "medium", links / named)
        assert proc.returncode == 1, proc.stderr
        assert [f["location"]["path"] for f in json.loads(proc.stdout)["findings"]] == ["mod.py"]
    loop = cli("scan", "-f", "json", links / "loop.py", "--strict")
    assert loop.returncode == 3, loop.stderr
    assert [(s["path"], s["reason"]) for s in json.loads(loop.stdout)["skipped"]] == [
        ("loop.py", "symlink-loop")
    ]
    result = scan([links / "dangling.py", links / "loop.py"], Config())
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("dangling.py", SkipReason.NOT_FOUND),
        ("loop.py", SkipReason.SYMLINK_LOOP),
    ]


PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAq8i3Y2v0nQf7Ws3mB9Zt0xKq1pL4cR8uVw2dE6fHj9kLmNoP\n"
    "-----END RSA PRIVATE KEY-----\n"
)


def test_key_files_are_read_and_a_named_unknown_file_is_reported(
    tmp_path: Path, write_tree: WriteTree
) -> None:
    root = write_tree(
        tmp_path / "p", {"tls/server.key": PEM, ".ssh/id_rsa": PEM, "cert.pem": PEM, "notes.txt": "hi\n"}
    )
    assert _walked(root) == {"tls/server.key": "pem", ".ssh/id_rsa": "pem", "cert.pem": "pem"}
    result = scan([root], Config())
    assert {f.location.path for f in result.active if "CWE-798" in f.cwe} == {
        "tls/server.key",
        ".ssh/id_rsa",
        "cert.pem",
    }
    named = scan([root / "notes.txt"], Config())
    assert [(s.path, s.reason) for s in named.skipped] == [("notes.txt", SkipReason.UNSUPPORTED_LANGUAGE)]
    assert named.nothing_analysed


def test_languages_only_scanned_as_text_are_reported_without_vulnerability_analysis(
    tmp_path: Path, write_tree: WriteTree
) -> None:
    """A JavaScript file read only by the secrets detector had no vulnerability analysis: say so.
    Data files (YAML, JSON) are not expected to have one."""
    root = write_tree(tmp_path / "p", {"app.js": "eval(location.hash);\n", "c.yml": "a: 1\n", "m.py": MD5})
    result = scan([root], Config())
    assert result.unsupported_languages == (("javascript", 1),)
    assert result.files_analyzed == 3  # still read, for secrets and AI-directed text
    python_only = scan([root], Config(analyzers=("patterns",)))
    assert python_only.unsupported_languages == (("javascript", 1),)
