"""py/weak-cipher (CWE-327) and py/weak-hash (CWE-328)."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, rule_ids

CIPHER = "py/weak-cipher"
HASH = "py/weak-hash"
CRYPTOGRAPHY = "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n"


@pytest.mark.parametrize(
    "code",
    [
        "from Crypto.Cipher import DES\nc = DES.new(key, DES.MODE_ECB)\n",
        "from Crypto.Cipher import DES3\nc = DES3.new(key, DES3.MODE_CBC, iv)\n",
        "from Crypto.Cipher import ARC4\nc = ARC4.new(key)\n",
        "from Cryptodome.Cipher import Blowfish\nc = Blowfish.new(key, Blowfish.MODE_CBC, iv)\n",
        "from Crypto.Cipher import AES\nc = AES.new(key, AES.MODE_ECB)\n",
        "from Crypto.Cipher import AES\nc = AES.new(key, mode=AES.MODE_ECB)\n",
        "import Crypto.Cipher.AES as A\nc = A.new(key, A.MODE_ECB)\n",
        CRYPTOGRAPHY + "c = Cipher(algorithms.TripleDES(key), modes.CBC(iv))\n",
        CRYPTOGRAPHY + "c = Cipher(algorithms.ARC4(key), mode=None)\n",
        CRYPTOGRAPHY + "c = Cipher(algorithms.Blowfish(key), modes.CBC(iv))\n",
        CRYPTOGRAPHY + "c = Cipher(algorithms.AES(key), modes.ECB())\n",
        "from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES\nc = TripleDES(key)\n",
    ],
)
def test_weak_ciphers_and_ecb(code: str) -> None:
    assert CIPHER in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "from Crypto.Cipher import AES\nc = AES.new(key, AES.MODE_GCM)\n",
        "from Crypto.Cipher import AES\nc = AES.new(key, mode=AES.MODE_CBC, iv=iv)\n",
        CRYPTOGRAPHY + "c = Cipher(algorithms.AES(key), modes.GCM(iv))\n",
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\nc = AESGCM(key)\n",
        "from cryptography.fernet import Fernet\nf = Fernet(key)\n",
        "from Crypto.Cipher import DES\nif False:\n    c = DES.new(key, DES.MODE_ECB)\n",
    ],
)
def test_strong_ciphers(code: str) -> None:
    assert CIPHER not in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "import hashlib\nh = hashlib.md5(pw.encode()).hexdigest()\n",
        "from hashlib import sha1\nh = sha1(data)\n",
        "import hashlib\nh = hashlib.new('md5')\n",
        "import hashlib\nh = hashlib.md5(data, usedforsecurity=True)\n",
        "from Crypto.Hash import SHA1\nh = SHA1.new(data)\n",
        "from cryptography.hazmat.primitives import hashes\nh = hashes.Hash(hashes.SHA1())\n",
    ],
)
def test_weak_hashes(code: str) -> None:
    assert HASH in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "import hashlib\nh = hashlib.sha256(data)\n",
        "import hashlib\nh = hashlib.md5(body, usedforsecurity=False)\n",
        "import hashlib\nh = hashlib.new('sha256')\n",
        "import hashlib\nh = hashlib.blake2b(data, key=k)\n",
        "import hashlib\nh = hashlib.pbkdf2_hmac('sha256', pw, salt, 600_000)\n",
    ],
)
def test_strong_or_non_security_hashes(code: str) -> None:
    assert HASH not in rule_ids(code)


def test_weak_cipher_cwe() -> None:
    [finding] = analyze("from Crypto.Cipher import ARC4\nc = ARC4.new(key)\n")
    assert finding.cwe == ("CWE-327",)
