"""Precision from a real-code trial: what a digest, a TLS opt-out or a cookie call is for."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, hits

WEAK = "py/weak-hash"


@pytest.mark.parametrize(
    "code",
    [
        "import hashlib\ndef etag(body):\n    return hashlib.sha1(body).hexdigest()\n",
        "import hashlib\ndef f(s):\n    etag = hashlib.sha1(s).hexdigest()\n    return etag\n",
        "import hashlib\nclass Resp:\n    def compute_etag(self):\n        h = hashlib.sha1()\n        return h\n",
        "from hashlib import sha1\ndef get_cache_key(name):\n    h = sha1(name.encode())\n    return h\n",
        "from hashlib import sha1\nclass BytecodeCache:\n    def get(self, s):\n        return sha1(s).hexdigest()\n",
        "import hashlib\ndef f(s):\n    return {'shard': hashlib.md5(s).hexdigest()}\n",
        "from hashlib import sha1\nimport os\nsalt = os.urandom(sha1().digest_size)\n",
        "import hashlib\ndef md5_not_for_security():\n    return hashlib.md5()\n",
        "import hashlib\nGUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'\n"
        "def accept_value(key):\n    h = hashlib.sha1()\n    h.update(key)\n"
        "    h.update(b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11')\n    return h.digest()\n",
    ],
    ids=[
        "etag-fn",
        "etag-var",
        "etag-method",
        "cache-key",
        "cache-class",
        "shard",
        "digest-size",
        "not-for-security",
        "ws-guid",
    ],
)
def test_non_security_digests_are_not_weak_hashes(code: str) -> None:
    assert WEAK not in {rule for rule, _ in hits(code)}


@pytest.mark.parametrize(
    "code",
    [
        "import hashlib\ndef f(password):\n    return hashlib.md5(password.encode()).hexdigest()\n",
        # a cache of password hashes is still a password hash
        "import hashlib\ndef cache_password(password):\n    return hashlib.md5(password).hexdigest()\n",
        "import hashlib\ndef sign(data, key):\n    signature = hashlib.sha1(key + data).hexdigest()\n    return signature\n",
        "import hashlib\ndef make(user):\n    return hashlib.new('md5', user.name.encode())\n",
        # the GUID elsewhere in the file does not excuse another function
        "import hashlib\ndef accept_value(k):\n    return hashlib.sha1(k + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11')\n"
        "def token(u):\n    return hashlib.sha1(u).hexdigest()\n",
        "import hashlib\nsize = hashlib.sha1(b'x').digest()\n",
    ],
)
def test_security_digests_are_still_reported(code: str) -> None:
    assert WEAK in {rule for rule, _ in hits(code)}


def test_tls_opt_out_under_a_condition_is_low_confidence() -> None:
    code = """
        import ssl, requests

        def make_context(validate_cert):
            ctx = ssl.create_default_context()
            if not validate_cert:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            return ctx

        def always():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            return requests.get("https://x", verify=False)

        def other(self, url):
            if self.insecure:
                return requests.get(url, verify=False)
            return requests.get(url, verify=self.verify)
    """
    found = {(f.location.start_line, f.confidence.value) for f in analyze(code)}
    assert found == {(7, "low"), (8, "low"), (13, "high"), (14, "high"), (18, "low")}


def test_tls_under_a_constant_condition_keeps_its_confidence() -> None:
    code = "import requests\nif True:\n    requests.get('https://x', verify=False)\n"
    assert [f.confidence.value for f in analyze(code)] == ["high"]


@pytest.mark.parametrize(
    "call",
    [
        'resp.set_cookie("sid", value, **kwargs)',
        'resp.set_cookie("sid", value, secure=self.secure, httponly=self.httponly)',
        'resp.set_cookie("sid", "", max_age=0)',
        'resp.set_cookie("sid", "", expires="Thu, 01 Jan 1970 00:00:00 GMT")',
        'resp.set_cookie(name=name, value="", expires=expires, **kwargs)',  # tornado's clear_cookie
    ],
)
def test_unprovable_or_deleting_cookie_calls_are_not_reported(call: str) -> None:
    code = f"def f(resp, value, kwargs, self, name, expires):\n    {call}\n"
    assert hits(code) == []


def test_a_plain_set_cookie_reports_both_flags() -> None:
    code = 'def f(resp):\n    resp.set_cookie("sid", "v", max_age=3600)\n'
    assert hits(code) == [("py/cookie-without-httponly", 2), ("py/insecure-cookie", 2)]
