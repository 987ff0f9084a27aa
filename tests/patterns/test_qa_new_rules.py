"""Rules added from a real-code trial: tar slip, Jinja2 autoescape, unverified JWTs, global TLS off."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, hits, rule_ids


def test_tar_extraction_without_filter() -> None:
    code = """
        import tarfile, zipfile

        def a(path):
            with tarfile.open(path) as t:
                t.extractall("/srv/out")
                t.extractall("/srv/out", filter="data")
                t.extractall("/srv/out", members=safe_members(t))
            tarfile.open(path).extractall()
            with zipfile.ZipFile(path) as z:
                z.extractall("/srv/out")

        def b(tf: tarfile.TarFile, archive):
            tf.extract("a")
            archive.extractall()
    """
    assert [h for h in hits(code) if h[0] == "py/tar-extraction"] == [
        ("py/tar-extraction", 6),
        ("py/tar-extraction", 9),
        ("py/tar-extraction", 14),
    ]


def test_unpack_archive_without_a_filter_is_a_tar_slip() -> None:
    code = """
        import shutil
        from shutil import unpack_archive
        shutil.unpack_archive(downloaded, target)
        unpack_archive(downloaded, target, "gztar")
        shutil.unpack_archive(downloaded, target, filter="data")
        shutil.unpack_archive(downloaded, target, filter=mode)
    """
    assert [h for h in hits(code) if h[0] == "py/tar-extraction"] == [
        ("py/tar-extraction", 4),
        ("py/tar-extraction", 5),
        ("py/tar-extraction", 7),  # a variable filter is not provably safe
    ]


def test_tar_rule_metadata() -> None:
    (finding,) = analyze("import tarfile\ntarfile.open('a').extractall()\n")
    assert finding.cwe[0] == "CWE-22" and finding.severity.value == "high"


def test_jinja2_environment_without_autoescape() -> None:
    code = """
        import jinja2
        from jinja2 import Environment, select_autoescape
        e1 = Environment()
        e2 = Environment(autoescape=False)
        e3 = Environment(autoescape=select_autoescape())
        e4 = jinja2.Environment(autoescape=True)
        e5 = Environment(autoescape=config.autoescape)
        e6 = Environment(**options)
    """
    assert hits(code) == [("py/jinja2-autoescape-off", 4), ("py/jinja2-autoescape-off", 5)]
    assert {f.cwe[0] for f in analyze(code)} == {"CWE-79"}


@pytest.mark.parametrize(
    "call",
    [
        'jwt.decode(tok, options={"verify_signature": False})',
        'jwt.decode(tok, key, algorithms=["HS256"], options={"verify_signature": False})',
        "jwt.decode(tok, key, verify=False)",
        'jwt.decode(tok, key, algorithms=["none"])',
    ],
)
def test_jwt_decoded_without_verification(call: str) -> None:
    (finding,) = analyze(f"import jwt\n{call}\n")
    assert (finding.rule_id, finding.cwe[0]) == ("py/jwt-unverified", "CWE-347")


@pytest.mark.parametrize(
    "call",
    [
        'jwt.decode(tok, key, algorithms=["HS256"])',
        'jwt.decode(tok, key, algorithms=["HS256"], options={"verify_exp": False})',
        'jwt.decode(tok, key, options={"verify_signature": True})',
        "jwt.decode(tok, key, options=opts)",
    ],
)
def test_verified_jwt_is_not_reported(call: str) -> None:
    assert hits(f"import jwt\n{call}\n") == []


def test_global_unverified_https_context_and_session_verify() -> None:
    code = """
        import ssl, requests
        ssl._create_default_https_context = ssl._create_unverified_context
        requests.Session().verify = False
        def f(sess):
            sess.verify = False
    """
    assert hits(code) == [("py/tls-verification-disabled", n) for n in (3, 4, 6)]


def test_weak_random_in_a_token_function() -> None:
    code = """
        import random, string
        def reset_token():
            return str(random.randint(0, 10**12))
        def make_password(n):
            return "".join(random.choice(string.ascii_letters) for _ in range(n))
        def shuffle_deck(n):
            return "".join(random.choice(string.ascii_letters) for _ in range(n))
    """
    assert hits(code) == [("py/weak-random", 4), ("py/weak-random", 6)]


def test_flask_debug_run_and_session_cookie_config() -> None:
    code = """
        from flask import Flask
        app = Flask(__name__)
        app.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_HTTPONLY=False)
        if __name__ == "__main__":
            app.run(host="0.0.0.0", debug=True)
    """
    assert rule_ids(code) == {
        "py/insecure-cookie-setting",
        "py/cookie-httponly-setting-disabled",
        "py/debug-enabled",
    }
