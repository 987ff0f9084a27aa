"""Library mode: parameters whose names say they carry outside data are sources inside their own
function, and reach injection sinks only once embedded in larger text or joined under a base."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files


def _rules(tmp_path: Path, files: dict[str, str], **config: object) -> list[tuple[str, int]]:
    result = scan_files(tmp_path, files, **config)
    return sorted((f.rule_id, f.location.start_line) for f in result.findings)


def test_a_file_name_joined_under_a_base_reaches_open(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "ROOT = '/srv/files'\n"
        "def serve(filename):\n"
        "    with open(os.path.join(ROOT, filename)) as f:\n"
        "        return f.read()\n"
        "def read(path):\n"
        "    with open(path) as f:\n"  # the caller's own path: no finding
        "        return f.read()\n"
    )
    assert _rules(tmp_path, {"lib/files.py": code}) == [("py/path-traversal", 4)]


def test_a_command_parameter_embedded_in_a_shell_string(tmp_path: Path) -> None:
    code = (
        "import subprocess\n"
        "def run(command):\n"
        "    subprocess.run(command, shell=True)\n"  # passed whole: the caller chose the command
        "def log(command):\n"
        "    subprocess.run('git log ' + command, shell=True)\n"
    )
    assert _rules(tmp_path, {"lib/git.py": code}) == [("py/command-injection", 5)]


def test_markup_built_by_formatting_a_text_parameter(tmp_path: Path) -> None:
    code = (
        "from markupsafe import Markup\n"
        "def heading(title):\n"
        "    return Markup('<h1>%s</h1>' % title)\n"
        "def raw(title):\n"
        "    return Markup(title)\n"  # whole: the caller passes markup on purpose
        "def safe(title):\n"
        "    return Markup('<h1>{}</h1>').format(title)\n"  # Markup.format escapes
    )
    found = _rules(tmp_path, {"lib/html.py": code})
    # the markup built from the title is marked safe on the same line: one finding, the sink's
    assert found == [("py/reflected-xss", 3)]


def test_a_name_that_says_nothing_is_not_a_source(tmp_path: Path) -> None:
    code = "import os\ndef run(n):\n    os.system('ls ' + n)\n"
    assert _rules(tmp_path, {"lib/run.py": code}) == []


def test_test_modules_are_not_library_code(tmp_path: Path) -> None:
    code = "import subprocess\ndef helper(command):\n    subprocess.run('git ' + command, shell=True)\n"
    assert _rules(tmp_path, {"tests/test_git.py": code, "pkg/conftest.py": code}) == []
    assert _rules(tmp_path, {"pkg/git.py": code}) == [("py/command-injection", 3)]


def test_a_library_label_does_not_leave_its_function(tmp_path: Path) -> None:
    code = (
        "import os, subprocess\n"
        "def quoted(command):\n"
        "    return 'git ' + command\n"
        "class Repo:\n"
        "    def __init__(self, path):\n"
        "        self.path = path\n"
        "    def show(self):\n"
        "        subprocess.run('ls ' + self.path, shell=True)\n"
        "def caller():\n"
        "    subprocess.run(quoted('status'), shell=True)\n"
    )
    assert _rules(tmp_path, {"lib/repo.py": code}) == []


def test_a_web_parameter_still_flows_to_callers(tmp_path: Path) -> None:
    code = (
        "import subprocess\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "def build(command):\n"
        "    return 'git ' + command\n"
        "@app.route('/run')\n"
        "def run():\n"
        "    subprocess.run(build(request.args['c']), shell=True)\n"
    )
    assert _rules(tmp_path, {"app.py": code}) == [("py/command-injection", 8)]


def test_html_built_from_a_text_parameter(tmp_path: Path) -> None:
    code = (
        "import html\n"
        "def gravatar(display_name, url):\n"
        '    return \'<img src="%s" alt="%s">\' % (html.escape(url), display_name)\n'
        "def heading(title):\n"
        "    return f'<h1>{title}</h1>'\n"
        "def link(url, label):\n"
        "    return '<a href=\"{}\">{}</a>'.format(html.escape(url), html.escape(label))\n"
        "def wrap(body_html):\n"
        "    return '<div>' + body_html + '</div>'\n"  # markup in, markup out: the caller's choice
        "def plain(title):\n"
        "    return 'Title: ' + title\n"  # no markup
        "def refresh(url):\n"
        '    return b\'<meta http-equiv="refresh" content="0;URL=%s">\' % (url,)\n'
    )
    found = _rules(tmp_path, {"lib/html.py": code, "tests/test_html.py": code})
    assert found == [
        ("py/html-from-parameter", 3),
        ("py/html-from-parameter", 5),
        ("py/html-from-parameter", 13),
    ]


def test_a_value_at_the_start_of_the_text_is_not_embedded(tmp_path: Path) -> None:
    code = (
        "import subprocess\n"
        "def run(command):\n"
        "    subprocess.run(command + ' --verbose', shell=True)\n"  # the caller's command, extended
        "    subprocess.run(f'{command} --verbose', shell=True)\n"
        "def fetch(cursor, query, names):\n"
        "    cursor.execute(query % {n: ':' + n for n in names})\n"  # the caller's query, formatted
        "def log(command):\n"
        "    subprocess.run(f'git log {command}', shell=True)\n"
    )
    assert _rules(tmp_path, {"lib/run.py": code}) == [("py/command-injection", 8)]


def test_wrappers_and_compiled_patterns_are_not_findings(tmp_path: Path) -> None:
    code = (
        "import re\n"
        "from flask import redirect as _redirect\n"
        "_DELIM = re.compile(r';\\s*')\n"
        "def redirect(location, code=302):\n"
        "    return _redirect(location, code)\n"  # a redirect helper passes its argument on
        "def parse(value):\n"
        "    rest = ' ' + value\n"
        "    return _DELIM.search(rest, 0)\n"  # a compiled pattern's search(), no LDAP query
    )
    assert _rules(tmp_path, {"lib/helpers.py": code}) == []


def test_every_definition_of_a_conditionally_defined_function_is_analysed(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "if sys.platform == 'win32':\n"
        "    try:\n"
        "        import ctypes\n"
        "        def set_title(title):\n"
        "            ctypes.windll.kernel32.SetConsoleTitleW(title)\n"
        "    except ImportError:\n"
        "        def set_title(title):\n"  # the fallback, defined in the except block
        "            os.system('title ' + title)\n"
        "else:\n"
        "    def set_title(title):\n"  # a third definition of the same name
        "        os.system('printf ' + title)\n"
    )
    assert _rules(tmp_path, {"lib/term.py": code}) == [
        ("py/command-injection", 9),
        ("py/command-injection", 12),
    ]


def test_a_property_setter_does_not_hide_its_getter(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "class Job:\n"
        "    @property\n"
        "    def command(self):\n"
        "        return 'ls'\n"
        "    @command.setter\n"
        "    def command(self, command):\n"
        "        os.system('nice ' + command)\n"
    )
    assert _rules(tmp_path, {"lib/job.py": code}) == [("py/command-injection", 8)]
