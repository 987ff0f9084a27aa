"""Model work in a diff scan goes to changed units only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitrepo import ADMIN, commit_all, git, make_repo, write

from .servers import ScriptedServer, hunting_brain

VIEWS = """\
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/legacy")
def legacy():
    return subprocess.check_output(request.args["cmd"], shell=True)
"""


def test_hunting_in_a_diff_scan_asks_only_about_changed_units(tmp_path: Path, cli: Any) -> None:
    shop = make_repo(tmp_path / "shop", {"shop/__init__.py": "", "shop/views.py": VIEWS})
    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {"shop/admin.py": ADMIN})
    commit_all(shop)
    with ScriptedServer("openai", hunting_brain({"os.system": "CWE-78"})) as server:
        config = (
            f'[[models]]\nname = "m"\nprovider = "openai"\nbase_url = "{server.url}"\nmodel = "m"\n'
            'zone = "local"\ntimeout_s = 5\n'
        )
        write(shop, {"vulnhound.toml": config})
        git(shop, "add", "vulnhound.toml")
        git(shop, "commit", "-q", "-m", "config")
        done = cli("scan", shop, "--diff", "main", "--model", "m", "--hunt", "--no-cache", "-f", "json")
        prompts = server.prompts()
    assert done.returncode == 1, done.stderr
    assert prompts and all("in shop/admin.py" in p for p in prompts)
    assert any("def purge():" in p for p in prompts)
    assert not any("def legacy():" in p for p in prompts)
    doc = json.loads(done.stdout)
    assert any("the change does not touch were not hunted" in n for n in doc["notes"])
