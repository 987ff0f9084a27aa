"""Model runs show their spending as they go: on a terminal, the progress bar carries the live
requests, tokens and cost of the models (read on every refresh, since model stages have no steps)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vulnhound.cli.common import usage_line
from vulnhound.result import ModelUsage

from .servers import ScriptedServer, triage_brain


def test_usage_line_sums_the_models() -> None:
    assert usage_line([]) == ""
    line = usage_line([ModelUsage("a", 3, 1, 0, 1000, 200, 0.01), ModelUsage("b", 2, 0, 1, 500, 50, 0.002)])
    assert line == "models: 5 request(s), 1 cached, 1 failed, 1,750 tokens, $0.0120"


def _slow_triage(prompt: str) -> dict[str, Any]:
    time.sleep(0.4)  # long enough for the bar to refresh while the model works
    return triage_brain(prompt)


def test_the_terminal_progress_bar_shows_model_spending(tmp_path: Path, write_tree: Any) -> None:
    app = "import os\nfrom flask import request\n\n\ndef run():\n    os.system('ls ' + request.args['d'])\n"
    with ScriptedServer("openai", _slow_triage) as server:
        config = (
            f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m"\n'
            'zone = "local"\ntimeout_s = 5\n'
        )
        root = write_tree(tmp_path / "repo", {"a.py": app, "b.py": app, "vulnhound.toml": config})
        master, slave = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "vulnhound", "scan", str(root), "--model", "m", "--triage", "--no-cache"],
            stdout=subprocess.DEVNULL,
            stderr=slave,
            env={**os.environ, "COLUMNS": "160", "TERM": "xterm"},
        )
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
        os.close(master)
    assert process.returncode == 1
    assert b"models: " in seen and b"request(s)" in seen, seen[-500:]
