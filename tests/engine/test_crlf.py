"""CRLF injection (CWE-93/113): values formatted into CRLF-terminated protocol lines, in library
code (parameters named for outside data) and in request handlers; line-break checks clear it."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files

from conftest import RunCli


def _crlf(tmp_path: Path, code: str, name: str = "lib/proto.py") -> list[int]:
    result = scan_files(tmp_path, {name: code})
    return sorted(f.location.start_line for f in result.findings if f.rule_id == "py/crlf-injection")


def test_header_lines_built_every_way_are_found(tmp_path: Path) -> None:
    code = (
        "def percent(transport, name, value):\n"
        "    transport.write(b'%s: %s\\r\\n' % (name, value))\n"
        "def fstring(lines, header, value):\n"
        "    lines.append(f'{header}: {value}\\r\\n')\n"
        "def chain(lines, name, value):\n"
        "    lines.append(name + ': ' + value + '\\r\\n')\n"
        "def request_line(sock, method, uri):\n"
        "    sock.sendall(b' '.join([method, uri, b'HTTP/1.1\\r\\n']))\n"
        "def fmt(lines, name, value):\n"
        "    lines.append('{}: {}\\r\\n'.format(name, value))\n"
    )
    assert _crlf(tmp_path, code) == [2, 4, 6, 8, 10]


def test_a_line_break_check_clears_the_value(tmp_path: Path) -> None:
    code = (
        "import re\n"
        "_BAD = re.compile(r'[\\x00-\\x1f]')\n"
        "def membership(t, name, value):\n"
        "    if '\\r' in value or '\\n' in value:\n"
        "        raise ValueError(value)\n"
        "    t.write('%s: %s\\r\\n' % (name, value))\n"
        "def compiled(t, name, value):\n"
        "    if _BAD.search(value) is not None:\n"
        "        raise ValueError(value)\n"
        "    t.write('%s: %s\\r\\n' % (name, value))\n"
        "def inline(t, name, value):\n"
        "    if re.search('[\\r\\n]', value):\n"
        "        raise ValueError(value)\n"
        "    t.write('%s: %s\\r\\n' % (name, value))\n"
        "def helper_checks(t, name, value):\n"
        "    t.write('%s: %s\\r\\n' % (name, _safe(value)))\n"
        "def _safe(text):\n"
        "    if _BAD.search(text):\n"
        "        raise ValueError(text)\n"
        "    return text\n"
        "def wrong_check(t, name, value):\n"
        "    if re.search('[<>]', value):\n"  # a check for other characters clears nothing
        "        raise ValueError(value)\n"
        "    t.write('%s: %s\\r\\n' % (name, value))\n"
    )
    assert _crlf(tmp_path, code) == [24]


def test_numbers_and_framed_data_are_not_protocol_lines(tmp_path: Path) -> None:
    code = (
        "def status(t, headers):\n"
        "    t.write('status: %d\\r\\n' % headers.status)\n"  # %d takes only numbers
        "def chunk(t, body):\n"
        "    t.write(b'%x\\r\\n%b\\r\\n' % (len(body), body))\n"  # length-framed data
        "def literal(t, text):\n"
        "    t.write(b'{%d}\\r\\n%b' % (len(text), text))\n"
        "def part(t, boundary_path):\n"
        "    t.write(b'\\r\\n--' + boundary_path + b'\\r\\n')\n"
        "def plain_text(out, title):\n"
        "    out.write('Title - %s\\n' % title)\n"  # a text file line, not a protocol line
    )
    assert _crlf(tmp_path, code) == []


def test_a_reply_line_and_a_request_handler(tmp_path: Path) -> None:
    lib = "def ok(t, message):\n    t.write(b'+OK ' + message + b'\\r\\n')\n"
    web = (
        "import socket\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "@app.route('/mail')\n"
        "def mail():\n"
        "    s = socket.create_connection(('localhost', 25))\n"
        "    s.sendall(('MAIL FROM:<%s>\\r\\n' % request.args['from']).encode())\n"
        "    return 'ok'\n"
    )
    result = scan_files(tmp_path, {"lib/pop.py": lib, "web/app.py": web})
    found = sorted(
        (f.location.path, f.location.start_line, f.confidence.value)
        for f in result.findings
        if f.rule_id == "py/crlf-injection"
    )
    assert found == [("lib/pop.py", 2, "medium"), ("web/app.py", 7, "medium")]


def test_a_parameter_passed_whole_is_the_callers_line(tmp_path: Path) -> None:
    # `line + "\r\n"`: the caller hands over the whole line; nothing is embedded in it
    assert _crlf(tmp_path, "def send(t, header):\n    t.write(header + '\\r\\n')\n") == []


def test_an_invalid_text_template_pattern_stops_the_scan(cli: RunCli, tmp_path: Path) -> None:
    rules = tmp_path / "team-rules.toml"
    rules.write_text(
        '[[rule]]\nid = "acme/bad"\nanalyzer = "engine"\nkind = "header"\nname = "x"\ncwe = ["CWE-93"]\n'
        'severity = "low"\nshort_description = "x"\n'
        "[[rule.sink]]\ntext_template = '(unclosed'\n",
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    proc = cli("scan", tmp_path / "app.py", "--rules", rules)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "team-rules.toml" in proc.stderr and "acme/bad" in proc.stderr and "text_template" in proc.stderr
