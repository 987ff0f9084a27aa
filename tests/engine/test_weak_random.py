"""Weak randomness by context: a `random` value is reported where it becomes a session or cookie
value, across functions and through conversions and digests, and nowhere else."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files

HEAD = (
    "import hashlib, random, secrets, uuid\n"
    "from flask import Flask, make_response, request, session\n"
    "app = Flask(__name__)\n"
)


def _found(tmp_path: Path, body: str) -> list[tuple[str, int]]:
    result = scan_files(tmp_path, {"app.py": HEAD + body})
    offset = HEAD.count("\n")
    return sorted(
        (f.rule_id, f.location.start_line - offset)
        for f in result.findings
        if f.rule_id.startswith("py/weak")
    )


def test_random_values_that_become_session_or_cookie_values(tmp_path: Path) -> None:
    body = (
        "def remember_key():\n"
        "    num = random.random()\n"
        "    return str(num)[2:]\n"
        "@app.route('/login')\n"
        "def login():\n"
        "    resp = make_response('ok')\n"
        "    resp.set_cookie('rememberMe', remember_key())\n"
        "    session['n'] = int(random.getrandbits(64))\n"
        "    session['h'] = hashlib.sha256(str(uuid.uuid1()).encode()).hexdigest()\n"
        "    resp.set_cookie(key='sid', value=str(random.Random().randint(0, 10**9)))\n"
        "    return resp\n"
    )
    assert _found(tmp_path, body) == [
        ("py/weak-random-session", 7),
        ("py/weak-random-session", 8),
        ("py/weak-random-session", 9),
        ("py/weak-random-session", 10),
    ]


def test_random_values_elsewhere_and_safe_generators_are_not_reported(tmp_path: Path) -> None:
    body = (
        "@app.route('/ok')\n"
        "def ok():\n"
        "    resp = make_response('dice %d' % random.randint(1, 6))\n"  # shown, not a secret
        "    resp.set_cookie('sid', secrets.token_urlsafe(32))\n"
        "    session['sid'] = random.SystemRandom().random()\n"
        "    session['theme'] = request.args.get('theme')\n"  # trust boundary, not weak random
        "    open('/tmp/%d' % random.randint(0, 9))\n"  # a random value reaches no injection rule
        "    return resp\n"
    )
    assert _found(tmp_path, body) == []
    rules = {f.rule_id for f in scan_files(tmp_path, {"app.py": HEAD + body}).findings}
    assert "py/trust-boundary-violation" in rules and "py/path-traversal" not in rules
