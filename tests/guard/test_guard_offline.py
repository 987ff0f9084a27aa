"""The offline guarantee: with no model selected, a full scan creates no socket at all."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from vulnhound.cli import main

TREE = {
    "app.py": (
        "import os\nimport subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        'PASSWORD = "hunter2!"\n'
        "@app.route('/run')\ndef run():\n    return subprocess.run(request.args['cmd'], shell=True)\n"
    ),
    "lib/util.js": 'const token = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";\n',
}


def _tree(root: Path) -> Path:
    for name, text in TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


class _NoNetwork(RuntimeError):
    pass


def test_in_process_scan_creates_no_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "tree")
    attempts: list[str] = []

    def refuse(name: str):  # type: ignore[no-untyped-def]
        def raiser(*args: object, **kwargs: object) -> None:
            attempts.append(name)
            raise _NoNetwork(f"socket use during an offline scan: {name}")

        return raiser

    for name in ("socket", "create_connection", "socketpair"):
        monkeypatch.setattr(socket, name, refuse(name))
    with pytest.raises(_NoNetwork):  # the trap works
        socket.create_connection(("127.0.0.1", 9))
    attempts.clear()
    out = tmp_path / "out.json"
    code = main(["scan", str(root), "-f", "json", "-o", str(out)])
    assert attempts == []
    assert code == 1
    rules = {f["rule_id"] for f in json.loads(out.read_text())["findings"]}
    assert {"secrets/hardcoded-credential", "secrets/api-token"} <= rules


WRAPPER = """
import socket, sys
attempts = []
def refuse(name):
    def raiser(*a, **k):
        attempts.append(name)
        raise OSError("network disabled for this test: " + name)
    return raiser
for name in ("socket", "create_connection", "socketpair"):
    setattr(socket, name, refuse(name))
try:
    socket.socket()
except OSError:
    pass
else:
    sys.exit(99)
attempts.clear()
from vulnhound.cli import main
code = main(sys.argv[1:])
sys.stderr.write("SOCKET-ATTEMPTS=%d\\n" % len(attempts))
sys.exit(code)
"""


def test_subprocess_scan_with_sockets_disabled(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree")
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, "scan", str(root), "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "SOCKET-ATTEMPTS=0" in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(out.read_text())["findings"]
    assert {f["location"]["path"] for f in findings} >= {"app.py", "lib/util.js"}
