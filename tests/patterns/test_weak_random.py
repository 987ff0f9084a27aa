"""py/weak-random: the random module only matters when its value becomes a secret."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import analyze, rule_ids

RULE = "py/weak-random"


@pytest.mark.parametrize(
    "code",
    [
        "import random\nreset_token = ''.join(random.choice('ab') for _ in range(32))\n",
        "import random\notp = int(random.random() * 1_000_000)\n",
        "import random\nsessionId = random.randint(0, 10**16)\n",  # camelCase is split
        "import random\nuser.api_key = '%032x' % random.getrandbits(128)\n",
        "from random import randint as r\npin_code = str(r(1000, 9999))\n",
        "import random\nsession['otp'] = random.randrange(10**6)\n",  # constant dict key
        "import random\nuser = User(password=''.join(random.choices('ab', k=12)))\n",  # keyword
        "import random\npayload = {'csrf_token': random.random()}\n",  # dict literal key
        "import random\nuser.set_password(str(random.random()))\n",  # callee it is passed to
        "import random\ndef generate_password():\n    return ''.join(random.choices('ab', k=9))\n",
        "import random\nkey = random.randbytes(16)\n",  # raw key material
        "import numpy as np\nnonce = np.random.bytes(12)\n",
    ],
)
def test_security_values_from_random_are_reported(code: str) -> None:
    assert RULE in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "import secrets\nreset_token = secrets.token_urlsafe(32)\n",
        "import secrets\notp = secrets.randbelow(10**6)\n",
        "import os\nsalt = os.urandom(16)\n",
        "import random\nrng = random.SystemRandom()\ntoken = rng.choice('ab')\n",
        "import random\ndelay = 2 ** n * random.uniform(0.5, 1.5)\n",
        "import random\nquestions = random.sample(QUESTIONS, 5)\n",
        "import random\nsession_timeout = random.randint(60, 120)\n",  # a vetoed word
        "import random\npassword_length = random.randint(12, 16)\n",
        "import random\nstatus_code = random.choice([200, 503])\n",
        "import random\nkey = random.choice(list(cache))\n",  # a bare 'key' from choice is a dict key
        "import random\ndef pick_colour():\n    return random.choice(COLOURS)\n",
        "import random\nrandom.shuffle(deck)\n",
    ],
)
def test_non_security_randomness_is_not_reported(code: str) -> None:
    assert RULE not in rule_ids(code)


def test_finding_metadata() -> None:
    [finding] = analyze("import random\ntoken = random.random()\n")
    assert finding.cwe == ("CWE-338", "CWE-330")
    assert "random.random" in finding.message
    assert (finding.location.start_line, finding.location.start_column) == (2, 9)


def test_name_veto_applies_per_name() -> None:
    """A vetoed name does not hide a security name the same value also serves."""
    code = "import random\nreset_token = pad(random.random(), max_len=4)\n"
    assert RULE in rule_ids(code)
