"""Path traversal: a startswith() check protects only a normalised path, and archive member
names are outside data (zip slip)."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files


def _found(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    return sorted((f.rule_id, f.location.start_line) for f in scan_files(tmp_path, files).findings)


def test_startswith_protects_only_a_normalised_path(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from flask import Flask, request, abort\n"
        "app = Flask(__name__)\n"
        "BASE = '/srv/files'\n"
        "@app.route('/a')\n"
        "def a():\n"
        "    path = os.path.join(BASE, request.args['f'])\n"
        "    if not path.startswith(BASE):\n"
        "        abort(403)\n"
        "    return open(path).read()\n"  # 11: '/srv/files/../../etc/passwd' passes the check
        "@app.route('/b')\n"
        "def b():\n"
        "    path = os.path.realpath(os.path.join(BASE, request.args['f']))\n"
        "    if not path.startswith(BASE):\n"
        "        abort(403)\n"
        "    return open(path).read()\n"
        "@app.route('/c')\n"
        "def c():\n"
        "    p = (Path(BASE) / request.args['f']).resolve()\n"
        "    if p.startswith(BASE):\n"
        "        return p.read_text()\n"
        "    abort(403)\n"
        "@app.route('/d')\n"
        "def d():\n"
        "    p = os.path.abspath(os.path.join(BASE, request.args['f']))\n"
        "    if p.startswith(BASE):\n"
        "        return open(p).read()\n"
        "    return open(p).read()\n"  # 29: outside the checked branch
    )
    assert _found(tmp_path, {"app.py": code}) == [("py/path-traversal", 11), ("py/path-traversal", 29)]


def test_archive_member_names_are_outside_data(tmp_path: Path) -> None:
    code = (
        "import os, tarfile, zipfile\n"
        "def cleanup(archive_path):\n"
        "    with tarfile.TarFile(archive_path) as archive:\n"
        "        for name in archive.getnames():\n"
        "            os.remove(name)\n"
        "def unzip(src, dest):\n"
        "    with zipfile.ZipFile(src) as zf:\n"
        "        for info in zf.infolist():\n"
        "            with open(os.path.join(dest, info.filename), 'wb') as out:\n"
        "                out.write(zf.read(info))\n"
        "def unzip_safe(src, dest):\n"
        "    with zipfile.ZipFile(src) as zf:\n"
        "        for name in zf.namelist():\n"
        "            target = os.path.realpath(os.path.join(dest, name))\n"
        "            if not target.startswith(os.path.realpath(dest) + os.sep):\n"
        "                raise ValueError(name)\n"
        "            with open(target, 'wb') as out:\n"
        "                out.write(zf.read(name))\n"
        "def listing(src):\n"
        "    with zipfile.ZipFile(src) as zf:\n"
        "        return [n.upper() for n in zf.namelist()]\n"
    )
    assert _found(tmp_path, {"lib/archives.py": code}) == [("py/path-traversal", 5), ("py/path-traversal", 9)]


def test_relative_to_as_a_statement_checks_the_path_on_every_branch(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from flask import Flask, request, send_file\n"
        "app = Flask(__name__)\n"
        "BASE = Path('/srv/static')\n"
        "FOLLOW = bool(__name__)\n"
        "@app.route('/checked')\n"
        "def checked():\n"
        "    p = BASE.joinpath(request.args['f']).resolve()\n"
        "    p.relative_to(BASE)\n"  # raises ValueError outside BASE
        "    return send_file(p)\n"
        "@app.route('/sometimes')\n"
        "def sometimes():\n"
        "    p = BASE.joinpath(request.args['f']).resolve()\n"
        "    if not FOLLOW:\n"
        "        p.relative_to(BASE)\n"  # only on one branch: the other serves any file
        "    return send_file(p)\n"
        "@app.route('/unused')\n"
        "def unused():\n"
        "    p = BASE.joinpath(request.args['f']).resolve()\n"
        "    p.relative_to(BASE) if FOLLOW else None\n"  # an expression, not a check statement
        "    return send_file(p)\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [("py/path-traversal", 16), ("py/path-traversal", 21)]


def test_a_release_folder_does_not_hide_the_import_names(tmp_path: Path) -> None:
    # an unpacked release (`webfw-1.0/`) is no package: its modules keep the names imports and
    # rules use, so a framework's own request type still marks its handlers
    files = {
        "webfw-1.0/aiohttp/__init__.py": "",
        "webfw-1.0/aiohttp/web_request.py": "class Request:\n    pass\n",
        "webfw-1.0/aiohttp/static.py": (
            "from .web_request import Request\n"
            "async def handle(request: Request):\n"
            "    return open('/srv/' + request.match_info['name']).read()\n"
        ),
    }
    assert _found(tmp_path, files) == [("py/path-traversal", 3)]


def test_lexical_relative_checks_count_only_after_normalisation(tmp_path: Path) -> None:
    # PurePath("/srv/s/../../etc/passwd").relative_to("/srv/s") succeeds: the check is lexical
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from flask import Flask, request, send_file\n"
        "app = Flask(__name__)\n"
        "BASE = Path('/srv/static')\n"
        "@app.route('/a')\n"
        "def raw():\n"
        "    p = BASE.joinpath(request.args['f'])\n"
        "    p.relative_to(BASE)\n"
        "    return send_file(p)\n"  # 10: not normalised, still reaches the file
        "@app.route('/b')\n"
        "def raw_is():\n"
        "    p = BASE / request.args['f']\n"
        "    if not p.is_relative_to(BASE):\n"
        "        raise ValueError(p)\n"
        "    return send_file(p)\n"  # 16
        "@app.route('/c')\n"
        "def absolute():\n"
        "    p = (BASE / request.args['f']).absolute()\n"  # absolute() keeps '..'
        "    p.relative_to(BASE)\n"
        "    return send_file(p)\n"  # 21
        "@app.route('/d')\n"
        "def normalised():\n"
        "    p = Path(os.path.normpath(BASE / request.args['f']))\n"
        "    p.relative_to(BASE)\n"
        "    return send_file(p)\n"
    )
    assert _found(tmp_path, {"app.py": code}) == [
        ("py/path-traversal", 10),
        ("py/path-traversal", 16),
        ("py/path-traversal", 21),
    ]
