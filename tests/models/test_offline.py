"""Without --model (or with --offline) nothing model-related is imported and no socket is opened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = """
import socket, sys
class Refused(socket.socket):
    def __init__(self, *a, **k):
        raise AssertionError("a socket was created")
def refuse(*a, **k):
    raise AssertionError("a connection was opened")
socket.socket = Refused
socket.create_connection = refuse
from vulnhound.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.startswith(("vulnhound.models.router", "vulnhound.models.providers",
    "vulnhound.guard.door", "httpx", "vulnhound.hunt")))
print("LOADED", loaded)
sys.exit(code)
"""


def test_plain_and_offline_scans_construct_nothing_model_related(tmp_path: Path, write_tree: Any) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app.py": "import os\n\n\ndef run(c):\n    os.system(c)\n",
            "vulnhound.toml": '[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "x"\nzone = "local"\n',
        },
    )
    for flags in ([], ["--offline"]):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, "scan", str(root), "-f", "json", *flags],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        assert "LOADED []" in result.stdout, result.stdout[-500:]
    refused = subprocess.run(
        [sys.executable, "-c", SCRIPT, "scan", str(root), "--offline", "--model", "m", "--hunt"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and "--offline refuses model use" in refused.stderr
