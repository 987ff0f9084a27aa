"""Trust boundary (CWE-501): request data stored in the session or the request environment, as a
value or as the key, is reported; constants and validated values are not."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files


def test_session_and_environ_stores_by_value_and_by_key(tmp_path: Path) -> None:
    code = (
        "import flask\n"
        "from flask import Flask, request, session\n"
        "app = Flask(__name__)\n"
        "@app.route('/t', methods=['POST'])\n"
        "def t():\n"
        "    bar = request.form.get('p', '')\n"
        "    session[bar] = '10340'\n"
        "    flask.session['userid'] = bar\n"
        "    request.environ['userid'] = bar\n"
        "    session['fixed'] = 'value'\n"
        "    session['n'] = int(bar)\n"
        "    session['choice'] = bar if bar in ('a', 'b') else 'a'\n"
        "    return 'ok'\n"
    )
    found = sorted(
        (f.rule_id, f.location.start_line) for f in scan_files(tmp_path, {"app.py": code}).findings
    )
    assert found == [
        ("py/trust-boundary-violation", 7),
        ("py/trust-boundary-violation", 8),
        ("py/trust-boundary-violation", 9),
    ]
