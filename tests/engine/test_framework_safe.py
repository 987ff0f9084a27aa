"""Framework constructs that are safe by construction: SQLAlchemy statement builders bind values
as parameters, and jinja2 templates built with autoescape escape what they render. Each case is
paired with the unsafe neighbour that must still be reported."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files

HEAD = (
    "import jinja2\n"
    "import sqlalchemy as sa\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "engine = sa.create_engine('sqlite://')\n"
    "users = sa.Table('users', sa.MetaData(), sa.Column('name', sa.String))\n"
)


def _lines(tmp_path: Path, body: str) -> list[tuple[str, int]]:
    result = scan_files(tmp_path, {"app.py": HEAD + body})
    offset = HEAD.count("\n")
    return sorted((f.rule_id, f.location.start_line - offset) for f in result.findings)


def test_sqlalchemy_core_statements_bind_their_values(tmp_path: Path) -> None:
    body = (
        "@app.route('/add', methods=['POST'])\n"
        "def add():\n"
        "    data = request.get_json()\n"
        "    with engine.begin() as conn:\n"
        "        conn.execute(users.insert().values(**data))\n"
        "        conn.execute(users.update().where(users.c.name == data['old']).values(name=data['new']))\n"
        "        conn.execute(sa.insert(users).values(name=request.form['name']))\n"
        "        conn.execute(sa.text('select * from users where name = :n'), {'n': data['n']})\n"
        "        conn.execute(sa.text(\"select * from users where name = '%s'\" % data['n']))\n"
        "        conn.execute('insert into users values (%s)' % ','.join(data.values()))\n"
        "    return 'ok'\n"
    )
    found = _lines(tmp_path, body)
    assert found == [("py/sql-injection", 9), ("py/sql-injection", 10)]


def test_jinja2_templates_with_autoescape_escape_what_they_render(tmp_path: Path) -> None:
    body = (
        "@app.route('/a')\n"
        "def a():\n"
        "    return jinja2.Template('<p>{{ n }}</p>', autoescape=True).render(n=request.args['n'])\n"
        "@app.route('/b')\n"
        "def b():\n"
        "    env = jinja2.Environment(autoescape=jinja2.select_autoescape())\n"
        "    return env.from_string('<p>{{ n }}</p>').render(n=request.args['n'])\n"
        "@app.route('/c')\n"
        "def c():\n"
        "    return jinja2.Template('<p>{{ n }}</p>').render(n=request.args['n'])\n"
        "@app.route('/d')\n"
        "def d():\n"
        "    return jinja2.Template('<p>{{ n }}</p>', autoescape=False).render(n=request.args['n'])\n"
    )
    assert _lines(tmp_path, body) == [("py/reflected-xss", 10), ("py/reflected-xss", 13)]
