"""False positives from a trial on real code: each case is a minimal program written here, and
each asserts what is reported (rule, line, confidence) so that it fails if the cause comes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.helpers import scan_files


def _found(tmp_path: Path, files: dict[str, str], **config: object) -> list[tuple[str, int, str]]:
    result = scan_files(tmp_path, files, **config)
    return sorted((f.rule_id, f.location.start_line, f.confidence.value) for f in result.findings)


# ---- 1. a parameter named `request` outside views and handlers -----------------------------


def test_request_parameter_of_a_helper_method_is_not_a_web_request(tmp_path: Path) -> None:
    code = (
        "import subprocess\n"
        "class Runner:\n"
        "    def execute(self, request):\n"
        "        subprocess.run(['git', 'log', request.data['rev']])\n"
        "        with open(request.data['path']) as f:\n"
        "            return f.read()\n"
        "class Session:\n"
        "    def prepare_request(self, request):\n"
        "        self.headers = {}\n"
        "        self.headers['A'] = request.headers['A']\n"
    )
    assert _found(tmp_path, {"lib.py": code}) == []


def test_helper_request_gets_taint_from_a_view_that_passes_the_request(tmp_path: Path) -> None:
    helpers = (
        "class Loader:\n"
        "    def load(self, request):\n"
        "        return open(request.GET['f']).read()\n"
        "def meta_ok(request):\n"
        "    return open(request.META['SERVER_NAME']).read()\n"
    )
    views = (
        "from django.http import HttpResponse\n"
        "from .helpers import Loader, meta_ok\n"
        "def page(request):\n"
        "    meta_ok(request)\n"
        "    return HttpResponse(Loader().load(request), content_type='text/plain')\n"
        "def other(request):\n"
        "    return HttpResponse(Loader().load(object()), content_type='text/plain')\n"
    )
    result = scan_files(tmp_path, {"app/__init__.py": "", "app/helpers.py": helpers, "app/views.py": views})
    hits = [(f.rule_id, f.location.path, f.location.start_line) for f in result.findings]
    # the helper's sink is reported once, from the view that passes a real request
    assert hits == [("py/path-traversal", "app/helpers.py", 3)]
    (finding,) = result.findings
    assert finding.flow[0].note == "source: request.GET"
    assert any(step.note == "call to Loader.load" for step in finding.flow)


def test_uncalled_function_of_a_web_module_gets_the_request(tmp_path: Path) -> None:
    code = (
        "import os\nfrom django.http import HttpResponse\n"
        "def report(request, name):\n"
        "    os.system(request.GET['cmd'])\n"
        "    os.system(name)\n"
        "    return HttpResponse('ok')\n"
    )
    plain = "import os\ndef report(request):\n    os.system(request.GET['cmd'])\n"
    assert _found(tmp_path / "a", {"site/reports.py": code}) == [("py/command-injection", 4, "high")]
    assert _found(tmp_path / "b", {"tool/reports.py": plain}) == []


# ---- 2. route decorators must belong to a framework -----------------------------------------


def test_home_made_post_decorator_is_not_a_route(tmp_path: Path) -> None:
    code = (
        "hooks = []\n"
        "def post(fn):\n    hooks.append(fn)\n    return fn\n"
        "@post\ndef write(options, config):\n"
        "    with open(options.path, 'a') as f:\n        f.write('x')\n"
    )
    flask = (
        "from flask import Flask\nimport os\napp = Flask(__name__)\n"
        "@app.post('/run')\ndef run(cmd):\n    os.system(cmd)\n"
    )
    assert _found(tmp_path / "a", {"app.py": code}) == []
    assert _found(tmp_path / "b", {"app.py": flask}) == [("py/command-injection", 6, "high")]


# ---- 3. operator input ------------------------------------------------------------------------


def test_reexec_with_interpreter_and_argv_is_not_command_injection(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys\n"
        "def restart():\n"
        "    argv = sys.argv[:]\n"
        "    subprocess.Popen([sys.executable] + argv)\n"
        "    subprocess.Popen([sys.executable, *sys.argv])\n"
        "    args = [sys.executable]\n"
        "    args += sys.argv\n"
        "    subprocess.run(args)\n"
        "def chosen():\n"
        "    subprocess.run([sys.argv[1]] + sys.argv[2:])\n"
    )
    # only the list whose program is argv itself is reported, and at low confidence
    assert _found(tmp_path, {"cli.py": code}) == [("py/command-injection", 10, "low")]


def test_environment_and_argv_findings_are_low_confidence(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "def load():\n"
        "    startup = os.environ.get('PYTHONSTARTUP')\n"
        "    if startup and os.path.isfile(startup):\n"
        "        return open(startup).read()\n"
        "def main():\n    return eval(sys.argv[1])\n"
    )
    assert _found(tmp_path, {"cli.py": code}) == [
        ("py/code-injection", 7, "low"),
        ("py/path-traversal", 5, "low"),
    ]


def test_taint_parameters_findings_are_at_most_medium(tmp_path: Path) -> None:
    code = "import os\ndef run(cmd):\n    os.system(cmd)\n"
    assert _found(tmp_path, {"lib.py": code}, taint_parameters=True) == [
        ("py/command-injection", 3, "medium")
    ]


# ---- 4. guards and sanitizers -------------------------------------------------------------


FLASK = "from flask import Flask, Response, abort, redirect, request\napp = Flask(__name__)\n"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "is_relative_to",
            "    p = (BASE / request.args['f']).resolve()\n"
            "    if not p.is_relative_to(BASE):\n        abort(404)\n    return p.read_text()\n",
        ),
        (
            "commonpath",
            "    p = os.path.realpath(os.path.join(BASE, request.args['f']))\n"
            "    if os.path.commonpath([BASE, p]) != str(BASE):\n        abort(403)\n    return open(p).read()\n",
        ),
        (
            "realpath-startswith",
            "    p = os.path.realpath(os.path.join('/srv', request.args['f']))\n"
            "    if not p.startswith('/srv/'):\n        abort(403)\n    return open(p).read()\n",
        ),
        ("markup-format", "    return Markup('<p>{}</p>').format(request.args['n'])\n"),
        ("markup-escape", "    return '<p>' + Markup.escape(request.args['n']) + '</p>'\n"),
        ("text-plain", "    return Response(request.args['n'], mimetype='text/plain')\n"),
        ("json", "    return Response(request.args['n'], mimetype='application/json; charset=utf-8')\n"),
    ],
)
def test_flask_guards_and_safe_responses(tmp_path: Path, name: str, body: str) -> None:
    head = FLASK + "import os\nfrom pathlib import Path\nfrom markupsafe import Markup\nBASE = Path('/srv')\n"
    code = f"{head}@app.route('/x')\ndef view():\n{body}"
    assert _found(tmp_path, {"app.py": code}) == [], name


def test_unguarded_variants_are_still_reported(tmp_path: Path) -> None:
    code = (
        FLASK + "from pathlib import Path\nfrom markupsafe import Markup\nBASE = Path('/srv')\n"
        "@app.route('/a')\ndef a():\n    return (BASE / request.args['f']).resolve().read_text()\n"
        "@app.route('/b')\ndef b():\n    return Markup('<p>' + request.args['n'] + '</p>')\n"
        "@app.route('/c')\ndef c():\n    return Response(request.args['n'], mimetype='text/html')\n"
    )
    found = [(rule, line) for rule, line, _ in _found(tmp_path, {"app.py": code})]
    assert found == [("py/path-traversal", 8), ("py/reflected-xss", 11), ("py/reflected-xss", 14)]


def test_django_format_html_and_plain_text_are_not_xss(tmp_path: Path) -> None:
    code = (
        "from django.http import HttpResponse\nfrom django.utils.html import format_html\n"
        "def a(request):\n    return HttpResponse(format_html('<p>{}</p>', request.GET['n']))\n"
        "def b(request):\n    return HttpResponse(request.GET['n'], content_type='text/plain')\n"
        "def c(request):\n    return HttpResponse(request.GET['n'])\n"
    )
    assert _found(tmp_path, {"site/views.py": code}) == [("py/reflected-xss", 8, "high")]


def test_partial_redirect_checks_lower_confidence(tmp_path: Path) -> None:
    code = (
        FLASK + "from urllib.parse import urlparse\n"
        "@app.route('/a')\ndef a():\n    nxt = request.args['next']\n"
        "    if urlparse(nxt).netloc:\n        abort(400)\n    return redirect(nxt)\n"
        "@app.route('/b')\ndef b():\n    nxt = request.args['next']\n"
        "    if not nxt.startswith('/') or nxt.startswith('//'):\n        abort(400)\n    return redirect(nxt)\n"
        "@app.route('/c')\ndef c():\n    return redirect(request.args['next'])\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [
        ("py/open-redirect", 9, "medium"),
        ("py/open-redirect", 15, "medium"),
        ("py/open-redirect", 18, "high"),
    ]


# ---- 5. framework internals -----------------------------------------------------------------


def test_server_set_meta_keys_are_clean(tmp_path: Path) -> None:
    code = (
        "from django.http import HttpResponse\n"
        "def a(request):\n"
        "    request.session['k'] = request.META['CSRF_COOKIE']\n"
        "    request.session['j'] = request.META.get('REMOTE_ADDR')\n"
        "    request.session['h'] = request.META['HTTP_X_TOKEN']\n"
        "    request.session['q'] = request.META.get('QUERY_STRING')\n"
        "    return HttpResponse('ok')\n"
    )
    found = [line for _, line, _ in _found(tmp_path, {"site/views.py": code})]
    assert found == [5, 6]


def test_kwargs_keys_are_keyword_names(tmp_path: Path) -> None:
    code = (
        "from django.http import HttpResponse\nfrom django.utils.safestring import mark_safe\n"
        "from django.utils.html import conditional_escape\n"
        "def fmt(text, **kwargs):\n"
        "    safe = {k: conditional_escape(v) for (k, v) in kwargs.items()}\n"
        "    raw = {k: v for (k, v) in kwargs.items()}\n"
        "    return mark_safe(text.format(**safe)), mark_safe(text.format(**raw))\n"
        "def page(request):\n"
        "    return HttpResponse(fmt('<p>{n}</p>', n=request.GET['n'])[0])\n"
    )
    # only the unescaped dictionary's mark_safe is reported
    result = scan_files(tmp_path, {"site/views.py": code})
    assert [(f.rule_id, f.location.start_line, f.location.start_column) for f in result.findings] == [
        ("py/reflected-xss", 7, 44)
    ]


def test_hash_of_tainted_data_is_clean(tmp_path: Path) -> None:
    code = (
        "import hashlib\nfrom django.http import HttpResponse\n"
        "def a(request):\n"
        "    request.session['h'] = hashlib.sha256(request.POST['p'].encode()).hexdigest()\n"
        "    request.session['u'] = request.POST['p']\n"
        "    return HttpResponse('ok')\n"
    )
    assert [line for _, line, _ in _found(tmp_path, {"site/views.py": code})] == [5]
