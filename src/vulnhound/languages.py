"""Language detection by file extension, then by shebang for extensionless scripts."""

from __future__ import annotations

import re

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyw": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".go": "go",
    ".php": "php",
    ".rb": "ruby",
    ".sh": "shell",
    ".bash": "shell",
    ".html": "html",
    ".htm": "html",
    ".jinja": "html",
    ".jinja2": "html",
    ".j2": "html",
    # Configuration files: no code analysis, but secrets and AI-directed text live here too.
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".conf": "ini",
    ".properties": "ini",
    ".env": "dotenv",
    ".xml": "xml",
    ".dockerfile": "dockerfile",
    # Key material: only the secrets analyzer reads these.
    ".pem": "pem",
    ".key": "pem",
    ".p8": "pem",
    # Jupyter notebooks: read as the Python of their cells (see vulnhound.notebooks).
    ".ipynb": "python",
}

# Languages that hold data, not code: nobody expects a vulnerability analysis of them.
DATA_LANGUAGES = frozenset(
    {"yaml", "json", "toml", "ini", "dotenv", "xml", "pem", "dockerfile", "netrc", "pgpass"}
)

# Templates and markup: listed as having had text checks only, but they do not make a scan
# incomplete (every web application has them; `--strict` would otherwise always fail there).
MARKUP_LANGUAGES = frozenset({"html"})

# Whole file names (no meaningful extension) that hold configuration.
FILE_NAMES: dict[str, str] = {
    ".env": "dotenv",
    ".envrc": "shell",
    "Dockerfile": "dockerfile",
    "id_rsa": "pem",
    "id_dsa": "pem",
    "id_ecdsa": "pem",
    "id_ed25519": "pem",
    # Credential stores of tools: read for secrets only.
    ".npmrc": "ini",
    ".yarnrc": "ini",
    ".pypirc": "ini",
    ".netrc": "netrc",
    "_netrc": "netrc",
    ".git-credentials": "netrc",
    ".pgpass": "pgpass",
    ".dockercfg": "json",
}

# Every language a file may be read as: what text-only analyzers (secrets, AI directives) take.
ALL_LANGUAGES: frozenset[str] = frozenset(EXTENSIONS.values()) | frozenset(FILE_NAMES.values())

_SHEBANG = re.compile(rb"^#![ \t]*(?:/usr/bin/env[ \t]+(?:-S[ \t]+)?)?\S*?([A-Za-z]+)[\d.]*(?:[ \t]|$)")
_INTERPRETERS = {
    "python": "python",
    "pypy": "python",
    "node": "javascript",
    "nodejs": "javascript",
    "ruby": "ruby",
    "php": "php",
    "sh": "shell",
    "bash": "shell",
    "zsh": "shell",
    "dash": "shell",
}


def language_from_extension(name: str) -> str | None:
    if name in FILE_NAMES:
        return FILE_NAMES[name]
    if name.startswith(".env."):  # .env.local, .env.production
        return "dotenv"
    dot = name.rfind(".")
    if dot <= 0:
        return None
    return EXTENSIONS.get(name[dot:].lower())


def language_from_shebang(head: bytes) -> str | None:
    """``#!/usr/bin/env python3`` -> python; None when there is no recognised shebang."""
    first = head.split(b"\n", 1)[0]
    match = _SHEBANG.match(first)
    if not match:
        return None
    interpreter = match.group(1).decode("ascii", "replace").lower()
    return _INTERPRETERS.get(interpreter)
