"""Every sink family with a vulnerable case and a safe look-alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.helpers import findings, rules

FLASK = "from flask import Flask, request, redirect, session, make_response, render_template_string\napp = Flask(__name__)\n"

CASES = [
    # (id, code, expected rule or None)
    (
        "sql-concat",
        "import sqlite3\n@app.route('/a')\ndef a():\n    q = request.args['q']\n    sqlite3.connect('x').cursor().execute('SELECT * FROM t WHERE n = ' + q)\n",
        "py/sql-injection",
    ),
    (
        "sql-param",
        "import sqlite3\n@app.route('/a')\ndef a():\n    q = request.args['q']\n    sqlite3.connect('x').cursor().execute('SELECT * FROM t WHERE n = ?', (q,))\n",
        None,
    ),
    (
        "sql-fstring",
        "@app.route('/a')\ndef a(cur):\n    cur.execute(f\"SELECT {request.form['c']} FROM t\")\n",
        "py/sql-injection",
    ),
    (
        "sql-int",
        "@app.route('/a')\ndef a(cur):\n    n = int(request.args['n'])\n    cur.execute('SELECT * FROM t LIMIT %d' % n)\n",
        None,
    ),
    (
        "sqlalchemy-text",
        "import sqlalchemy\n@app.route('/a')\ndef a():\n    return str(sqlalchemy.text('SELECT ' + request.args['c']))\n",
        "py/sql-injection",
    ),
    (
        "cmd-system",
        "import os\n@app.route('/a')\ndef a():\n    os.system('ls ' + request.args['d'])\n",
        "py/command-injection",
    ),
    (
        "cmd-quoted",
        "import os, shlex\n@app.route('/a')\ndef a():\n    os.system('ls ' + shlex.quote(request.args['d']))\n",
        None,
    ),
    (
        "cmd-shell-true",
        "import subprocess\n@app.route('/a')\ndef a():\n    subprocess.run('ping ' + request.args['h'], shell=True)\n",
        "py/command-injection",
    ),
    (
        "cmd-argv-list",
        "import subprocess\n@app.route('/a')\ndef a():\n    subprocess.run(['ping', '-c', '1', request.args['h']])\n",
        None,
    ),
    (
        "cmd-argv-program",
        "import subprocess\n@app.route('/a')\ndef a():\n    subprocess.run([request.args['p'], '-v'])\n",
        "py/command-injection",
    ),
    (
        "cmd-argv-built",
        "import subprocess\n@app.route('/a')\ndef a():\n    argv = ['ping']\n    argv.append(request.args['h'])\n    subprocess.call(argv)\n",
        None,
    ),
    ("eval", "@app.route('/a')\ndef a():\n    return str(eval(request.args['e']))\n", "py/code-injection"),
    (
        "eval-literal",
        "import ast\n@app.route('/a')\ndef a():\n    return str(ast.literal_eval(request.args['e']))\n",
        None,
    ),
    (
        "path-open",
        "import os\n@app.route('/a')\ndef a():\n    return open(os.path.join('/srv', request.args['f'])).read()\n",
        "py/path-traversal",
    ),
    (
        "path-basename",
        "import os\n@app.route('/a')\ndef a():\n    return open(os.path.join('/srv', os.path.basename(request.args['f']))).read()\n",
        None,
    ),
    (
        "path-pathlib",
        "from pathlib import Path\n@app.route('/a')\ndef a():\n    return Path('/srv', request.args['f']).read_text()\n",
        "py/path-traversal",
    ),
    (
        "pickle",
        "import pickle\n@app.route('/a')\ndef a():\n    return str(pickle.loads(request.get_data()))\n",
        "py/unsafe-deserialization",
    ),
    (
        "json-safe",
        "import json\n@app.route('/a')\ndef a():\n    return str(json.loads(request.get_data()))\n",
        None,
    ),
    (
        "yaml-safe-loader",
        "import yaml\n@app.route('/a')\ndef a():\n    return str(yaml.load(request.data, Loader=yaml.SafeLoader))\n",
        None,
    ),
    (
        "ldap",
        "import ldap\n@app.route('/a')\ndef a():\n    c = ldap.initialize('ldap://x')\n    c.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=' + request.args['u'] + ')')\n",
        "py/ldap-injection",
    ),
    (
        "ldap-escaped",
        "import ldap\nfrom ldap.filter import escape_filter_chars\n@app.route('/a')\ndef a():\n    c = ldap.initialize('ldap://x')\n    c.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=' + escape_filter_chars(request.args['u']) + ')')\n",
        None,
    ),
    (
        "xpath",
        "from lxml import etree\n@app.route('/a')\ndef a():\n    t = etree.parse('users.xml')\n    return str(t.xpath(\"//u[@n='\" + request.args['n'] + \"']\"))\n",
        "py/xpath-injection",
    ),
    (
        "xpath-var",
        "from lxml import etree\n@app.route('/a')\ndef a():\n    t = etree.parse('users.xml')\n    return str(t.xpath('//u[@n=$n]', n=request.args['n']))\n",
        None,
    ),
    (
        "xxe",
        "from lxml import etree\n@app.route('/a')\ndef a():\n    return str(etree.fromstring(request.get_data()))\n",
        "py/xxe",
    ),
    (
        "xxe-safe-parser",
        "from lxml import etree\n@app.route('/a')\ndef a():\n    p = etree.XMLParser(resolve_entities=False)\n    return str(etree.fromstring(request.get_data(), p))\n",
        None,
    ),
    (
        "xss-return",
        "@app.route('/a')\ndef a():\n    return '<b>' + request.args['n'] + '</b>'\n",
        "py/reflected-xss",
    ),
    (
        "xss-escaped",
        "import html\n@app.route('/a')\ndef a():\n    return '<b>' + html.escape(request.args['n']) + '</b>'\n",
        None,
    ),
    ("xss-json", "@app.route('/a')\ndef a():\n    return {'n': request.args['n']}\n", None),
    (
        "xss-make-response",
        "@app.route('/a')\ndef a():\n    return make_response(request.args['n'])\n",
        "py/reflected-xss",
    ),
    (
        "redirect",
        "@app.route('/a')\ndef a():\n    return redirect(request.args['next'])\n",
        "py/open-redirect",
    ),
    (
        "redirect-allowlist",
        "ALLOWED = {'/home', '/cart'}\n@app.route('/a')\ndef a():\n    nxt = request.args['next']\n    if nxt not in ALLOWED:\n        return redirect('/')\n    return redirect(nxt)\n",
        None,
    ),
    (
        "session",
        "@app.route('/a')\ndef a():\n    session['user'] = request.args['u']\n    return 'ok'\n",
        "py/trust-boundary-violation",
    ),
    (
        "session-validated",
        "@app.route('/a')\ndef a():\n    u = request.args['u']\n    if u.isalnum():\n        session['user'] = u\n    return 'ok'\n",
        None,
    ),
    (
        "ssrf",
        "import requests\n@app.route('/a')\ndef a():\n    return requests.get(request.args['url']).text\n",
        "py/ssrf",
    ),
    (
        "ssrf-fixed-host",
        "import requests\n@app.route('/a')\ndef a():\n    return requests.get(f\"https://api.example.com/items/{request.args['id']}\").text\n",
        None,
    ),
    (
        "ssti",
        "@app.route('/a')\ndef a():\n    return render_template_string('<p>' + request.args['n'] + '</p>')\n",
        "py/template-injection",
    ),
    (
        "ssti-context",
        "@app.route('/a')\ndef a():\n    return render_template_string('<p>{{ n }}</p>', n=request.args['n'])\n",
        None,
    ),
    (
        "header",
        "@app.route('/a')\ndef a():\n    r = make_response('ok')\n    r.headers['X-Name'] = request.args['n']\n    return r\n",
        "py/header-injection",
    ),
    (
        "header-quoted",
        "from urllib.parse import quote\n@app.route('/a')\ndef a():\n    r = make_response('ok')\n    r.headers['X-Name'] = quote(request.args['n'])\n    return r\n",
        None,
    ),
    (
        "regex",
        "import re\n@app.route('/a')\ndef a():\n    return str(re.search(request.args['p'], 'text'))\n",
        "py/regex-injection",
    ),
    (
        "regex-escaped",
        "import re\n@app.route('/a')\ndef a():\n    return str(re.search(re.escape(request.args['p']), 'text'))\n",
        None,
    ),
    (
        "regex-subject",
        "import re\n@app.route('/a')\ndef a():\n    return str(re.search('[a-z]+', request.args['p']) is not None)\n",
        None,
    ),
]


def _paired() -> list[tuple[str, str, str, bool]]:
    """A safe case (expected None) must not trigger the rule of the vulnerable case before it."""
    out: list[tuple[str, str, str, bool]] = []
    last = ""
    for case_id, code, expected in CASES:
        last = expected or last
        out.append((case_id, code, last, expected is not None))
    return out


@pytest.mark.parametrize(
    ("code", "rule", "vulnerable"), [c[1:] for c in _paired()], ids=[c[0] for c in _paired()]
)
def test_sink(tmp_path: Path, code: str, rule: str, vulnerable: bool) -> None:
    found = rules(tmp_path, FLASK + code)
    assert (rule in found) is vulnerable, found


def test_sanitizer_is_sink_specific(tmp_path: Path) -> None:
    code = (
        FLASK
        + "import html, os\n@app.route('/a')\ndef a():\n    os.system('echo ' + html.escape(request.args['x']))\n"
    )
    assert "py/command-injection" in rules(tmp_path, code)


def test_finding_carries_flow_and_cwe(tmp_path: Path) -> None:
    code = FLASK + "@app.route('/a')\ndef a():\n    e = request.args['e']\n    return str(eval(e))\n"
    (finding,) = [f for f in findings(tmp_path, code) if f.rule_id == "py/code-injection"]
    assert finding.cwe == ("CWE-95", "CWE-94")
    assert finding.flow[0].note.startswith("source: request.args")
    assert finding.flow[-1].note.startswith("sink: eval")
    assert finding.flow[-1].location == finding.location
    assert finding.context == "a"
    assert "request.args flows into eval" in finding.message
