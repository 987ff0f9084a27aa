"""py/insecure-cookie (CWE-614) and py/cookie-without-httponly (CWE-1004), calls and settings."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, hits, rule_ids

SECURE = "py/insecure-cookie"
HTTPONLY = "py/cookie-without-httponly"


def cwes(code: str, path: str = "app.py") -> set[str]:
    return {c for f in analyze(code, path) for c in f.cwe}


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("resp.set_cookie('sid', v)", {SECURE, HTTPONLY}),
        ("resp.set_cookie('sid', v, httponly=True)", {SECURE}),
        ("resp.set_cookie('sid', v, secure=True)", {HTTPONLY}),
        ("resp.set_cookie('sid', v, secure=True, httponly=True)", set()),
        ("resp.set_cookie(key='sid', value=v, secure=False, httponly=True)", {SECURE}),
        ("resp.set_cookie('sid', v, secure=True, httponly=0)", {HTTPONLY}),
        ("resp.set_cookie('sid', v, 3600, httponly=True)", {SECURE}),  # positional max_age
        ("resp.set_cookie('sid', v, None, None, '/', None, True, True)", set()),  # all positional
        ("resp.set_cookie('sid', v, None, None, '/', None, False, True)", {SECURE}),
        ("resp.set_cookie('sid', v, secure=flag, httponly=flag)", set()),  # a variable: not provable
        ("resp.set_cookie('sid', v, **COOKIE_FLAGS)", set()),
        ("resp.set_cookie(*args)", set()),
        ("jar.set_cookie(cookie)", set()),  # http.cookiejar: not a response cookie
        ("resp.delete_cookie('sid')", set()),
        ("resp.set_signed_cookie('sid', v, salt='x')", {SECURE, HTTPONLY}),
        ("resp.set_signed_cookie('sid', v, salt='x', secure=True, httponly=True)", set()),
    ],
)
def test_set_cookie_flags(call: str, expected: set[str]) -> None:
    assert rule_ids(f"def view(resp, v, flag, args):\n    {call}\n") == expected


def test_each_flag_carries_its_own_cwe() -> None:
    [secure] = analyze("resp.set_cookie('a', 'b', httponly=True)\n")
    [httponly] = analyze("resp.set_cookie('a', 'b', secure=True)\n")
    assert (secure.rule_id, secure.cwe) == (SECURE, ("CWE-614",))
    assert (httponly.rule_id, httponly.cwe) == (HTTPONLY, ("CWE-1004",))


def test_module_constant_flags_resolve() -> None:
    code = """
        SECURE = True
        HTTPONLY = False
        def view(resp):
            resp.set_cookie("sid", "v", secure=SECURE, httponly=HTTPONLY)
    """
    assert rule_ids(code) == {HTTPONLY}


def test_a_rebound_name_is_not_a_constant() -> None:
    code = """
        SECURE = False
        def configure(secure):
            global SECURE
            SECURE = secure
        def view(resp):
            resp.set_cookie("sid", "v", secure=SECURE, httponly=True)
    """
    assert rule_ids(code) == set()


def test_a_parameter_shadowing_a_constant_is_not_the_constant() -> None:
    code = """
        secure = False
        def view(resp, secure):
            resp.set_cookie("sid", "v", secure=secure, httponly=True)
    """
    assert rule_ids(code) == set()


@pytest.mark.parametrize(
    ("code", "cwe"),
    [
        ("SESSION_COOKIE_SECURE = False\n", "CWE-614"),
        ("CSRF_COOKIE_SECURE = False\n", "CWE-614"),
        ("SESSION_COOKIE_HTTPONLY = False\n", "CWE-1004"),
        ("class Config:\n    SESSION_COOKIE_SECURE = False\n", "CWE-614"),
        ("app.config['SESSION_COOKIE_SECURE'] = False\n", "CWE-614"),
        ("app.config['SESSION_COOKIE_HTTPONLY'] = False\n", "CWE-1004"),
        ("app.config.update(SESSION_COOKIE_SECURE=False)\n", "CWE-614"),
        ("app.config.update(REMEMBER_COOKIE_HTTPONLY=False)\n", "CWE-1004"),
        ("SESSION_COOKIE_SECURE = 0\n", "CWE-614"),  # an int is read as a flag
    ],
)
def test_framework_cookie_settings_off(code: str, cwe: str) -> None:
    assert cwes(code, "mysite/settings.py") == {cwe}


@pytest.mark.parametrize(
    "code",
    [
        "SESSION_COOKIE_SECURE = True\n",
        "SESSION_COOKIE_HTTPONLY = True\n",
        "SESSION_COOKIE_SECURE = os.environ.get('SECURE') == '1'\n",
        "SESSION_COOKIE_SECURE = 'no'\n",  # only bool or int literals are flags
        "app.config['SESSION_COOKIE_SECURE'] = True\n",
        "if False:\n    SESSION_COOKIE_SECURE = False\n",
    ],
)
def test_framework_cookie_settings_on_or_unknown(code: str) -> None:
    assert hits(code, "mysite/settings.py") == []
