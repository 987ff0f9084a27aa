"""The fence lines the tool writes around scanned code are its own text: the secret detector
never replaces them, and plans and the ledger count only redactions of scanned content."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .servers import ScriptedServer, triage_brain

FENCE = re.compile(r"^(BEGIN|END)-UNTRUSTED-([0-9a-f]{20})$", re.MULTILINE)
SECRET = "AKIA" + "Q3EGRIPZ7XKBN4TW"  # one AWS access key id, split so this file holds none


def _code(i: int, extra: str = "") -> str:
    # a different file body each time: a different hex tag each time
    return (
        "import os\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        f"@app.route('/run{i}')\n"
        f"def run{i}():\n"
        f"{extra}"
        f"    os.system('ls ' + request.args['d{i}'])\n"
        "    return 'ok'\n"
    )


def test_fence_lines_reach_the_model_whole_and_only_real_secrets_are_counted(
    tmp_path: Path, write_tree: Any, cli: Any
) -> None:
    files = {f"app{i}.py": _code(i) for i in range(12)}
    files["keys.py"] = _code(99, f"    os.environ['AWS_ACCESS_KEY_ID'] = '{SECRET}'\n")
    with ScriptedServer("openai", triage_brain) as server:
        config = (
            f'[[models]]\nname = "cloud"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m"\n'
            'zone = "foreign-cloud"\ntimeout_s = 5\n'
        )
        root = write_tree(tmp_path / "repo", {**files, "vulnhound.toml": config})
        ledger = tmp_path / "ledger.jsonl"
        done = cli("scan", root, "--model", "cloud", "--triage", "--no-cache", "--ledger", ledger)
        prompts = server.prompts()
    assert done.returncode == 1, done.stderr
    assert len(prompts) >= 13
    for prompt in prompts:
        tags = FENCE.findall(prompt)
        # every request carries its opening and closing fence, with the same tag, unredacted
        assert {kind for kind, _ in tags} == {"BEGIN", "END"}, prompt[:400]
        assert len({tag for _, tag in tags}) == 1
    assert not any(SECRET in p for p in prompts)
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    sent = [e for e in entries if e.get("purpose") == "triage" and e.get("decision") == "sent"]
    assert len(sent) == len(prompts)
    counts = [(sorted(f["path"] for f in e["files"]), e["redactions"]) for e in sent]
    in_keys = [n for paths, n in counts if "keys.py" in paths]
    assert in_keys and all(n == 1 for n in in_keys)  # the one real secret, once per request
    assert all(n == 0 for paths, n in counts if "keys.py" not in paths)
