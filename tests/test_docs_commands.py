"""Every shell command shown in README.md and docs/*.md runs as written (project rule; issue 11).

Commands are read from indented (4 spaces) and fenced (```, ```bash, ```sh, ```shell, ```console)
code blocks: a block is a shell block when one of its lines starts with a command word, and then
every line of it is a command (backslash-continued and further-indented lines joined, trailing
``# comments`` stripped). ``vulnhound ...`` and ``bandit ...`` commands run with shlex-split
arguments in a sandbox prepared once per module (per xdist worker) the way a user following the
docs would have it:

- the project: ``src/shop`` (the Flask half of ``examples/shop``), ``lib/`` (its helper modules),
  ``examples/shop`` and ``tests/data/bench/owasp`` (both named by commands), a git repository
  whose ``main`` has the project and whose checked-out feature branch adds one vulnerable route;
- ``vulnhound.toml``: the shipped ``examples/models/vulnhound.toml`` with ``glm``'s base_url set to
  a scripted OpenAI-compatible server on 127.0.0.1, plus models ``a``, ``b`` and ``c`` of
  different origins for the consensus example;
- what commands read, made as a user would: ``bandit.json`` (bandit, or a minimal Bandit report
  when bandit is not installed), the baselines (``vulnhound baseline create -o baseline.json``, as
  the README says), the bench result files (``vulnhound bench run``), the egress ledger
  (``vulnhound models check``), and ``labels.jsonl``/``pairs.jsonl`` (the snippet samples of
  ``tests/data/bench/pairs``).

Each command is a test case named after its document and line, so every case can run alone (or
on another xdist worker): the fixture prepares every input instead of relying on order. A
command passes when it exits with a code its document allows (a scan: 0 or 1, and 3 with
``--strict``; a comment saying "exits N": N; anything else: 0) and prints no traceback; the
reports it names with ``-o``/``--*-output`` must have been written.

Commands that must not or cannot run here are listed in ``SKIPPED`` with the reason, and
``test_skip_list_is_exact`` fails when a document gains a command that is neither runnable here
nor listed, or when a listed command is no longer in the docs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitrepo import ADMIN, GIT_ENV, commit_all, git, make_repo
from models.servers import ScriptedServer, hunting_brain

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
EXAMPLE_CONFIG = REPO_ROOT / "examples" / "models" / "vulnhound.toml"

# Commands shown in the docs that this test does not run, keyed by (document, command as
# extracted), with the reason. test_skip_list_is_exact keeps this list equal to what the docs hold.
QUICK_START_1 = (
    "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/vulnhound scan examples/shop"
)
QUICK_START_2 = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -n auto -q"
)
SKIPPED: dict[tuple[str, str], str] = {
    # The two quick-start commands create a virtual environment and pip install (network, minutes).
    # .ci/run runs the second one as written; the first one's scan is the same as
    # `vulnhound scan examples/shop` in docs/ci.md, which runs here.
    ("README.md", QUICK_START_1): "quick start: python3 -m venv and pip install (network, minutes)",
    ("README.md", QUICK_START_2): "quick start: python3 -m venv and pip install; .ci/run runs it as written",
    # Synopses: placeholders in capitals and optional parts in brackets, not commands. A concrete
    # command of each form runs from the README (models calibrate glm, specs infer . --model glm,
    # scan . --model glm --triage, audit report .vulnhound/ledger.jsonl).
    (
        "docs/egress.md",
        "vulnhound audit report .vulnhound/ledger.jsonl [--json]",
    ): "synopsis: [--json] is optional (README runs the command without it)",
    (
        "docs/models.md",
        "vulnhound models calibrate NAME --dataset D [--format F] [-o FILE] [--json] [--no-cache]",
    ): "synopsis with placeholders (README runs `vulnhound models calibrate glm --dataset labels.jsonl`)",
    (
        "docs/models.md",
        "vulnhound specs infer [PATHS] --model NAME [--max N] [--plan [-o plan.json]] [-o FILE] "
        "[--ledger PATH] [--no-cache] [--budget-tokens N] [--budget-usd X]",
    ): "synopsis with placeholders (README runs `vulnhound specs infer . --model glm`)",
    (
        "docs/models.md",
        "vulnhound scan [PATHS] --model NAME [--model NAME ...] (--triage | --hunt | --infer-specs, "
        "any of them) [--consensus K] [--count-unverified] [--hunt-top N] [--budget-tokens N] "
        "[--budget-usd X] [--no-cache] [--plan [-o plan.json]] [--ledger PATH] [--offline]",
    ): "synopsis with placeholders (README runs the concrete model scans)",
    # Development measurements of this repository, not vulnhound commands.
    (
        "docs/quality.md",
        ".venv/bin/python tests/corpus_loader.py corpus-scores.json",
    ): "development measure over the 249-case corpus of this repository (tests/test_corpus_score.py gates it)",
    (
        "docs/quality.md",
        "VULNHOUND_CORPUS_REPORT=corpus-scores.json .venv/bin/python -m pytest tests/test_corpus_score.py -q",
    ): "runs this repository's corpus gate, which the test suite runs anyway",
    (
        "docs/quality.md",
        ".venv/bin/python benchmarks/sven_eval.py --json sven.json",
    ): "development benchmark: needs ../shared/datasets (outside the repository), about 12 s",
    (
        "docs/quality.md",
        ".venv/bin/python benchmarks/sven_eval.py --taint-parameters --json sven-params.json",
    ): "development benchmark: needs ../shared/datasets (outside the repository), about 12 s",
    (
        "docs/quality.md",
        '.venv/bin/python benchmarks/pysec_eval.py --data DATA --bandit --write-docs [--label X] [--vulnhound-args "..."]',
    ): "synopsis of a development benchmark (DATA: 252 release trees outside the repository, hours)",
    (
        "docs/quality.md",
        ".venv/bin/python benchmarks/pysec_eval.py --data DATA --ids IDS --jobs 1",
    ): "development benchmark on a subset (DATA: release trees outside the repository)",
    (
        "docs/quality.md",
        ".venv/bin/python benchmarks/pysec_eval.py --data DATA --ids IDS --jobs 1 --model-config qwen.toml "
        '--vulnhound-args "--model qwen15 --infer-specs --infer-specs-max 10"',
    ): "development benchmark with a 1.1 GB local model: about 30 minutes on 2 cores",
    (
        "docs/quality.md",
        ".venv/bin/python benchmarks/pysec_eval.py --data DATA --ids IDS --jobs 1 --model-config qwen.toml "
        '--vulnhound-args "--model qwen15 --hunt --hunt-top 3 --count-unverified"',
    ): "development benchmark with a 1.1 GB local model: about 30 minutes on 2 cores",
}

# Never run here, whatever SKIPPED says: the quick start (`python3 -m venv` and `pip install`
# create a virtual environment and install from the network, for minutes), other installs, hooks,
# git, cat, containers and downloads. Each such command must still be listed in SKIPPED.
NEVER_RUN = re.compile(
    r"python3? -m venv|\bpip3? install\b|^(?:pre-commit|git|cat|docker|podman|curl|wget|apt-get|sudo)\b"
)

# The first word of a line that makes its block a shell block.
COMMAND_WORDS = re.compile(
    r"^(?:vulnhound|bandit|semgrep|python3?|pip3?|pipx|uv|git|cat|cp|mv|mkdir|cd|export|echo|curl|wget|"
    r"docker|podman|make|npm|npx|pre-commit|apt-get|sudo|ollama|vllm|llama-server|\.venv/bin/\S+|"
    r"[A-Z_][A-Z0-9_]*=\S*)(?:\s|$)"
)
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
OUTPUT_OPTIONS = {
    "-o",
    "--output",
    "--json-output",
    "--markdown-output",
    "--html-output",
    "--sarif-output",
    "--text-output",
}


@dataclass(frozen=True)
class DocCommand:
    doc: str  # "README.md", "docs/models.md"
    line: int  # where the command starts
    text: str  # as written: continuations joined, the trailing comment stripped
    comment: str  # the trailing comment, if any

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _split_comment(line: str) -> tuple[str, str]:
    """``cmd args  # note`` -> (``cmd args``, ``note``): a ``#`` outside quotes after a blank."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def _blocks(text: str) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """(language, [(line number, text without the block's indentation)]) per code block."""
    lines = text.splitlines()
    i, after_blank = 0, True
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence:
            indent, marker, lang = len(fence.group(1)), fence.group(2), fence.group(3).lower()
            body: list[tuple[int, str]] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                body.append((i + 1, lines[i][indent:]))
                i += 1
            yield lang, body
            i, after_blank = i + 1, False
        elif after_blank and lines[i].startswith("    ") and lines[i].strip():
            body = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append((i + 1, lines[i][4:]))
                i += 1
            yield "indented", body
            after_blank = False
        else:
            after_blank = not lines[i].strip()
            i += 1


def _commands_of(doc: str, lang: str, body: list[tuple[int, str]]) -> Iterator[DocCommand]:
    if lang == "console":  # prompts mark the commands; other lines are their output
        body = [(n, t[2:]) for n, t in body if t.startswith("$ ")]
    elif lang != "indented" and lang not in SHELL_LANGS:
        return
    if lang == "indented" and not any(COMMAND_WORDS.match(_split_comment(t)[0]) for _, t in body):
        return  # TOML, Python, a diagram, sample data
    start, continued = 0, False
    parts: list[str] = []
    comments: list[str] = []
    for number, raw in [*body, (0, "")]:
        code, comment = _split_comment(raw)
        joins = continued or bool(parts and raw[:1].isspace() and code.strip())  # a wrapped synopsis
        if parts and not joins:
            yield DocCommand(doc, start, " ".join(parts), " ".join(comments))
            parts, comments = [], []
        if not code.strip():
            continued = False
            continue
        if not parts:
            start = number
        continued = code.endswith("\\")
        parts.append(code.removesuffix("\\").strip())
        if comment:
            comments.append(comment)


def doc_commands() -> list[DocCommand]:
    found = []
    for path in DOCS:
        doc = path.relative_to(REPO_ROOT).as_posix()
        for lang, body in _blocks(path.read_text(encoding="utf-8")):
            found.extend(_commands_of(doc, lang, body))
    return found


COMMANDS = doc_commands()


def _runnable(command: DocCommand) -> bool:
    return command.text.split()[0] in ("vulnhound", "bandit")


def _cases() -> list[Any]:
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.skip(reason=f"{c.id}: {SKIPPED[c.doc, c.text]}")]
            if (c.doc, c.text) in SKIPPED
            else [],
        )
        for c in COMMANDS
    ]


# --------------------------------------------------------------------------------------------
# The sandbox


def _brain(prompt: str) -> dict[str, Any]:
    """A model that answers `models check`, labels no API, triages like the scripted models of
    tests/models and, hunting, reports the feature branch's command injection (one finding
    to verify and agree on: verification runs the engine again, which is slow to repeat)."""
    if 'echo "vulnhound"' in prompt:
        return {"ok": True, "echo": "vulnhound"}
    if "labelling one API" in prompt:
        return {"role": "none", "kind": "", "argument": -1, "clears": [], "reason": "-", "confidence": 0.5}
    return hunting_brain({"rm -rf /srv/cache/": "CWE-78"})(prompt)


# Three names for the scripted server, of different origins as --consensus wants. They serve the
# same model id as glm, so the response cache shares their answers (and the test's time).
CONSENSUS_MODELS = "".join(
    f'\n[[models]]\nname = "{name}"\nprovider = "openai"\nbase_url = "{{url}}"\nmodel = "glm-4-9b-chat"\n'
    f'zone = "local"\norigin = "{origin}"\ntimeout_s = 10\nrequests_per_minute = 6000\n'
    for name, origin in (("a", "lab-a"), ("b", "lab-b"), ("c", "lab-c"))
)


def example_config(url: str) -> str:
    """The shipped example with glm's base_url pointing at ``url``."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    pointed, count = re.subn(r'(?m)^base_url = "[^"]*"', f'base_url = "{url}"', text)
    assert count == 1, "the example configuration should have exactly one active base_url"
    return pointed


def _env() -> dict[str, str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("VULNHOUND_") or k == "VULNHOUND_CACHE_DIR"
    }
    return {**environ, **GIT_ENV}


def _vulnhound(sandbox: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vulnhound", *args],
        cwd=sandbox,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _prepare(sandbox: Path, *args: str) -> None:
    done = _vulnhound(sandbox, *args)
    assert done.returncode == 0, (
        f"preparing the sandbox: vulnhound {' '.join(args)}: {done.returncode}\n{done.stderr}"
    )


def _code_samples() -> str:
    """The snippet samples of tests/data/bench/pairs as a JSONL dataset of one's own."""
    lines = (REPO_ROOT / "tests" / "data" / "bench" / "pairs" / "pairs.jsonl").read_text(encoding="utf-8")
    return "".join(line + "\n" for line in lines.splitlines() if '"code"' in line)


BANDIT = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
MINIMAL_BANDIT_JSON = {
    "errors": [],
    "generated_at": "2026-12-03T00:00:00Z",
    "metrics": {},
    "results": [
        {
            "filename": "tests/data/bench/owasp/testcode/VhTest00001.py",
            "issue_confidence": "HIGH",
            "issue_cwe": {"id": 89, "link": "https://cwe.mitre.org/data/definitions/89.html"},
            "issue_severity": "MEDIUM",
            "issue_text": "Possible SQL injection vector through string-based query construction.",
            "line_number": 1,
            "line_range": [1],
            "test_id": "B608",
            "test_name": "hardcoded_sql_expressions",
        }
    ],
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("docs-sandbox")
    shop = REPO_ROOT / "examples" / "shop"
    server = ScriptedServer("openai", _brain)
    # Headers and body go out in two writes: without TCP_NODELAY each answer waits for the
    # client's delayed ACK (40 ms), which made the hunting examples take seconds.
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    with server:
        shutil.copytree(shop / "flask_app", root / "src" / "shop")  # the application
        (root / "lib").mkdir()
        for helper in ("db.py", "utils.py"):  # library code for `scan lib --taint-parameters`
            shutil.copy(shop / "flask_app" / helper, root / "lib" / helper)
        shutil.copytree(shop, root / "examples" / "shop")
        owasp = Path("tests") / "data" / "bench" / "owasp"
        shutil.copytree(REPO_ROOT / owasp, root / owasp)
        (root / ".gitignore").write_text(".vulnhound/\n", encoding="utf-8")
        (root / "vulnhound.toml").write_text(
            example_config(server.url) + CONSENSUS_MODELS.replace("{url}", server.url), encoding="utf-8"
        )
        make_repo(root, {})  # main: the project as it is
        git(root, "checkout", "-q", "-b", "feature")
        (root / "src" / "shop" / "admin.py").write_text(ADMIN, encoding="utf-8")
        commit_all(root, "add an admin route")  # what `--diff main` reports

        (root / "labels.jsonl").write_text(_code_samples(), encoding="utf-8")
        (root / "pairs.jsonl").write_text(_code_samples(), encoding="utf-8")
        if BANDIT:
            bandit = subprocess.run(
                [BANDIT, "-q", "-r", str(owasp), "-f", "json", "-o", "bandit.json"],
                cwd=root,
                capture_output=True,
                check=False,
            )
            assert bandit.returncode in (0, 1), bandit.stderr
        else:
            (root / "bandit.json").write_text(json.dumps(MINIMAL_BANDIT_JSON), encoding="utf-8")
        # `models check` validates the shipped example against the server and starts the ledger
        # that `audit verify` and `audit report` read.
        _prepare(root, "models", "check")
        _prepare(root, "baseline", "create", "-o", "baseline.json")  # as the README's text says
        shutil.copy(root / "baseline.json", root / ".vulnhound-baseline.json")
        _prepare(root, "bench", "run", "--dataset", str(owasp), "--analyzer", "engine", "-o", "results.json")
        for other in ("last-month.json", "other-results.json"):  # a month ago, nothing changed
            shutil.copy(root / "results.json", root / other)
        yield root


# --------------------------------------------------------------------------------------------
# The tests


def allowed_codes(command: DocCommand, argv: list[str]) -> set[int]:
    said = re.match(r"exits (\d)\b", command.comment)  # "exits 1: the example app has findings"
    if said:
        return {int(said.group(1))}
    if argv[0] == "bandit":
        return {0, 1}  # 1: issues found
    if argv[1] == "scan":
        return {0, 1, 3} if "--strict" in argv else {0, 1}
    return {0}


def test_the_docs_have_commands() -> None:
    texts = {c.text for c in COMMANDS}
    some = {
        "vulnhound scan .",
        "vulnhound models check",
        "vulnhound bench compare results.json last-month.json",
    }
    assert len(COMMANDS) > 30 and some <= texts, sorted(texts)


def test_skip_list_is_exact() -> None:
    """What is not run is exactly SKIPPED: a new command that cannot run here fails this test
    until it gets a reason, and a reason whose command left the docs fails it too."""
    extracted = {(c.doc, c.text) for c in COMMANDS}
    not_run = {(c.doc, c.text) for c in COMMANDS if (c.doc, c.text) in SKIPPED or not _runnable(c)}
    unlisted = sorted(not_run - set(SKIPPED))
    stale = sorted(set(SKIPPED) - extracted)
    assert not unlisted, f"commands neither run here nor in SKIPPED (run them or give a reason): {unlisted}"
    assert not stale, f"SKIPPED lists commands the docs no longer show: {stale}"
    assert not_run == set(SKIPPED)
    never = [c.id for c in COMMANDS if NEVER_RUN.search(c.text) and (c.doc, c.text) not in SKIPPED]
    assert not never, f"commands that must not run here need a SKIPPED entry: {never}"


def test_the_extractor_reads_every_kind_of_block() -> None:
    text = (
        "Text.\n\n"
        "    vulnhound scan .   # a comment\n"
        "    vulnhound bench run --dataset d \\\n"
        "        --analyzer engine\n"
        "    vulnhound specs infer [PATHS]\n"
        "        [--max N]\n\n"
        "TOML:\n\n"
        "    [tool.vulnhound]\n    exclude = []\n\n"
        "```bash\n# set up\nbandit -r src -f json -o 'b #1.json'\n```\n\n"
        "```console\n$ vulnhound rules\npy/sql-injection ...\n```\n\n"
        "```toml\nvulnhound = 1\n```\n"
    )
    found = [
        (c.line, c.text, c.comment) for lang, body in _blocks(text) for c in _commands_of("X.md", lang, body)
    ]
    assert found == [
        (3, "vulnhound scan .", "a comment"),
        (4, "vulnhound bench run --dataset d --analyzer engine", ""),
        (6, "vulnhound specs infer [PATHS] [--max N]", ""),
        (16, "bandit -r src -f json -o 'b #1.json'", ""),
        (20, "vulnhound rules", ""),
    ]


def test_the_quick_start_is_two_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [c for lang, body in _blocks(section) for c in _commands_of("README.md", lang, body)]
    assert [c.text for c in commands] == [QUICK_START_1, QUICK_START_2]
    assert all(c.text.startswith("python3 -m venv") for c in commands)


@pytest.mark.parametrize("command", _cases())
def test_doc_command_runs_as_written(command: DocCommand, sandbox: Path) -> None:
    assert not NEVER_RUN.search(command.text), f"{command.id} must be skipped: {command.text}"
    argv = shlex.split(command.text)
    if argv[0] == "bandit":
        if not BANDIT:
            pytest.skip("bandit is not installed (pip install '.[test]' installs it)")
        executable = [BANDIT]
    else:
        assert argv[0] == "vulnhound", command.text
        executable = [sys.executable, "-m", "vulnhound"]
    outputs = [sandbox / argv[i + 1] for i, a in enumerate(argv[:-1]) if a in OUTPUT_OPTIONS]
    before = {p: p.stat().st_mtime_ns for p in outputs if p.exists()}
    done = subprocess.run(
        [*executable, *argv[1:]],
        cwd=sandbox,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    where = f"{command.id}: `{command.text}` exited {done.returncode}\n{done.stderr[-3000:]}"
    assert done.returncode in allowed_codes(command, argv), where
    assert "Traceback" not in done.stderr, where
    for path in outputs:
        assert path.exists() and path.stat().st_mtime_ns != before.get(path), f"{where}\n{path} not written"


def test_example_config_entries_are_all_valid(tmp_path: Path) -> None:
    """The commented entries of the shipped example, uncommented, make a valid configuration
    too: a plan with every model builds their requests (no connection, no weights needed)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    entry = re.compile(r'(?m)^# ((?:\[\[models\]\]|[a-z_]+ = ["\d\[]).*)$')
    uncommented = entry.sub(r"\1", text)
    models = tomllib.loads(uncommented)["models"]
    names = [m["name"] for m in models]
    assert names == ["glm", "local-qwen", "glm-cloud"]
    cloud = models[2]
    assert cloud["api_key_env"] == "GLM_API_KEY" and not {"api_key", "key"} & set(cloud)
    (tmp_path / "vulnhound.toml").write_text(uncommented, encoding="utf-8")
    (tmp_path / "app.py").write_text(ADMIN, encoding="utf-8")  # one finding to triage
    if importlib.util.find_spec("xllamacpp") is None:
        # the in-process model needs the optional extra, which the test extra does not install
        # (.ci/run adds it afterwards): the configuration must then say exactly that
        done = _vulnhound(tmp_path, "scan", "app.py", "--model", "local-qwen", "--triage", "--plan")
        assert done.returncode == 2 and "pip install 'vulnhound[llamacpp]'" in done.stderr, done.stderr
        names = [n for n in names if n != "local-qwen"]
    models_args = [arg for name in names for arg in ("--model", name)]
    done = _vulnhound(tmp_path, "scan", "app.py", *models_args, "--triage", "--plan", "-o", "plan.json")
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert sorted(plan["models"]) == sorted(names) and not plan["blocked"], plan
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "examples/models/vulnhound.toml" in readme  # where users learn of it
