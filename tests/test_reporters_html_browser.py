"""The HTML report in a real browser: headless Chromium (Debian's package) opens the file the CLI
wrote, runs its script, and we check the DOM it leaves and a screenshot of it.

`--dump-dom` prints the DOM after the page's scripts ran, so the filter state a URL fragment
selects, and the marker the script sets once it has run, can be read back. `.ci/run` installs
Chromium when it is missing; only a machine without it skips these tests.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from test_reporters_html import Node, parse

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium; .ci/run does)",
)

FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # the report needs no network; neither does the browser
    "--enable-logging=stderr",
    "--v=0",
)

PROJECT = {
    "app/__init__.py": "",
    "app/db.py": """import sqlite3


def run_query(sql):
    conn = sqlite3.connect("app.db")
    return conn.execute(sql).fetchall()


def find_user(name):
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    return run_query(query)
""",
    "app/web.py": """import subprocess

from flask import Flask, request

from app.db import find_user

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name")
    return str(find_user(name))


@app.route("/ping")
def ping():
    host = request.args.get("host")
    return subprocess.check_output("ping -c 1 " + host, shell=True)
""",
    "app/broken.py": "def broken(:\n",
    "tests/test_web.py": """import hashlib


def test_digest():
    assert hashlib.md5(b"x").hexdigest()
""",
}


@dataclass(frozen=True)
class Browser:
    """Runs Chromium on the report, each run with a fresh profile."""

    report: Path
    work: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.work)
        return subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def url(self, fragment: str = "") -> str:
        return self.report.as_uri() + fragment

    def dom(self, fragment: str = "", *args: str) -> tuple[Node, str]:
        proc = self.run(*args, "--dump-dom", self.url(fragment))
        assert proc.returncode == 0 and "</html>" in proc.stdout, proc.stderr[-2000:]
        return parse(proc.stdout), proc.stderr


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    """The report of a real scan, written by the real CLI."""
    root = tmp_path_factory.mktemp("html-browser")
    project = root / "project"
    for name, text in PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    report = root / "out" / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "vulnhound", "scan", str(project), "-f", "html", "-o", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )
    assert proc.returncode == 1, proc.stderr  # critical findings fail the default --fail-on
    assert proc.stdout == "" and report.is_file()
    work = root / "chromium"
    work.mkdir()
    return Browser(report, work)


def _findings(doc: Node) -> dict[str, Node]:
    return {a.find("code", "rule").text: a for a in doc.find_all("article", "finding")}


def test_the_page_renders_with_its_script_and_findings(browser: Browser) -> None:
    doc, log = browser.dom()
    body = doc.find("body")
    assert body.attrs.get("data-ready") == "1"  # the script ran: the CSP hash matches it
    assert "Content Security Policy" not in log and "Refused" not in log, log[-2000:]
    assert not doc.find("div", id="filters").hidden
    findings = _findings(doc)
    assert sorted(findings) == ["py/command-injection", "py/sql-injection", "py/weak-hash"]
    assert not any(a.hidden for a in findings.values())
    assert doc.find("strong", id="shown-count").text == "3" and body.attrs["data-shown"] == "3"
    groups = doc.find_all("section", "severity-group")
    assert [(g.attrs["data-severity"], len(g.find_all("article"))) for g in groups] == [
        ("critical", 2),
        ("medium", 1),
    ]
    files = [fg.find("h4", "file").find("code").text for fg in groups[0].find_all("div", "file-group")]
    assert files == ["app/db.py", "app/web.py"]
    assert findings["py/weak-hash"].find("span", "tag").text == "in test code"
    broken = doc.find("section", id="not-analysed")
    assert "app/broken.py" in [c.text for c in broken.find_all("code")]
    assert broken.find("span", "reason").text == "syntax-error"


def test_the_flow_crosses_the_helper_step_by_step(browser: Browser) -> None:
    doc, _ = browser.dom()
    sqli = _findings(doc)["py/sql-injection"]
    steps = sqli.find("ol", "flow").find_all("li", "step")
    assert len(steps) >= 4
    assert [s.attrs["data-step"] for s in steps] == [str(n) for n in range(1, len(steps) + 1)]
    where = [s.find("code", "loc").text for s in steps]
    assert where[0].startswith("app/web.py:12:") and where[-1].startswith("app/db.py:6:")
    assert any(w.startswith("app/db.py:10:") for w in where)  # through find_user's concatenation
    assert steps[0].find("span", "role").text == "source" and steps[-1].find("span", "role").text == "sink"
    line = steps[-1].find("pre", "code").find("span", "line")
    assert line.find("span", "ln").text == "6"
    assert line.find("span", "src").text == "return conn.execute(sql).fetchall()"
    command = _findings(doc)["py/command-injection"].find_all("li", "step")
    assert command[-1].find("span", "src").text.startswith("return subprocess.check_output(")
    # every step shows its own line, the step's expression marked: the source's request.args
    source = steps[0].find("pre", "code")
    assert source.find("span", "ln").text == "12" and source.find("mark").text.startswith("request.args")
    assert all(s.find("pre", "code") is not None for s in steps)


def test_a_fragment_preselects_a_filter(browser: Browser) -> None:
    doc, _ = browser.dom("#severity=medium")
    findings = _findings(doc)
    assert [rule for rule, a in findings.items() if not a.hidden] == ["py/weak-hash"]
    assert doc.find("strong", id="shown-count").text == "1"
    groups = {g.attrs["data-severity"]: g.hidden for g in doc.find_all("section", "severity-group")}
    assert groups == {"critical": True, "medium": False}
    assert doc.find("p", id="no-match").hidden

    doc, _ = browser.dom("#cwe=CWE-78&context=production")
    assert [rule for rule, a in _findings(doc).items() if not a.hidden] == ["py/command-injection"]
    hidden_files = {
        fg.find("h4", "file").find("code").text: fg.hidden for fg in doc.find_all("div", "file-group")
    }
    assert hidden_files == {"app/db.py": True, "app/web.py": False, "tests/test_web.py": True}

    doc, _ = browser.dom("#context=docs")
    assert all(a.hidden for a in _findings(doc).values())
    assert not doc.find("p", id="no-match").hidden and doc.find("strong", id="shown-count").text == "0"


def test_without_javascript_everything_is_shown(browser: Browser) -> None:
    """A copy whose policy forbids its script: what a reader with JavaScript off gets. (Chromium's
    --dump-dom needs JavaScript itself, so it cannot be switched off in the browser.)"""
    page = browser.report.read_text(encoding="utf-8")
    policy = re.search(r"script-src ('sha256-[A-Za-z0-9+/=]+')", page)
    assert policy is not None
    blocked = browser.work / "no-script.html"
    blocked.write_text(page.replace(policy.group(0), "script-src 'none'"), encoding="utf-8")
    doc, log = replace(browser, report=blocked).dom("#severity=medium")
    assert "Content Security Policy" in log  # the script really was refused
    assert "data-ready" not in doc.find("body").attrs
    assert doc.find("div", id="filters").hidden
    findings = _findings(doc)
    assert len(findings) == 3 and not any(a.hidden for a in findings.values())


def test_the_screenshot_is_not_blank(browser: Browser) -> None:
    png = browser.work / "report.png"
    proc = browser.run("--screenshot=" + str(png), "--window-size=1280,2000", browser.url())
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]
    width, height, pixels = _decode_png(png.read_bytes())
    assert (width, height) == (1280, 2000)
    colours = Counter(pixels)
    assert len(colours) > 200, "too few colours: a blank or unstyled page"
    _, most = colours.most_common(1)[0]
    assert most < 0.9 * width * height
    # Styled as written: the critical badge and the code block's background are on screen.
    assert colours[(0x8B, 0x15, 0x38)] > 500 and colours[(0x0D, 0x11, 0x17)] > 5000


def _decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), prev, bpp)
        pixels += [(line[x], line[x + 1], line[x + 2]) for x in range(0, stride, bpp)]
        prev = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> bytearray:
    """Undo one PNG scanline filter (PNG spec, section 9)."""
    if kind == 2:
        return bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
    for x in range(len(line)):
        left = line[x - bpp] if x >= bpp else 0
        if kind == 1:
            line[x] = (line[x] + left) & 0xFF
        elif kind == 3:
            line[x] = (line[x] + (left + prev[x]) // 2) & 0xFF
        elif kind == 4:
            up, corner = prev[x], prev[x - bpp] if x >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    return line
