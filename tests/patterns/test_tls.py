"""py/tls-verification-disabled (CWE-295): calls, keyword constants, assignments."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import rule_ids

RULE = "py/tls-verification-disabled"


@pytest.mark.parametrize(
    "code",
    [
        "import requests\nrequests.get(u, verify=False)\n",
        "import requests\nVERIFY = False\nrequests.post(u, verify=VERIFY)\n",  # module constant
        "import requests\ns = requests.Session()\ns.get(u, verify=False)\n",
        "import httpx\nc = httpx.AsyncClient(verify=False)\n",
        "import aiohttp\nc = aiohttp.TCPConnector(ssl=False)\n",
        "import urllib3\np = urllib3.PoolManager(cert_reqs='CERT_NONE')\n",
        "import ssl\nctx = ssl._create_unverified_context()\n",
        "import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\n",
        "import ssl\nctx = ssl.create_default_context()\nctx.verify_mode = ssl.CERT_NONE\n",
        "import pycurl\nc.setopt(pycurl.SSL_VERIFYPEER, 0)\n",
        "import requests\nsession = requests.Session()\nsession.verify = False\n",
    ],
)
def test_verification_off(code: str) -> None:
    assert RULE in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "import requests\nrequests.get(u)\n",
        "import requests\nrequests.get(u, verify=True)\n",
        "import requests\nrequests.get(u, verify='/etc/ca.pem')\n",
        "import requests\nrequests.get(u, verify=settings.VERIFY)\n",
        "import requests\nVERIFY = False\nVERIFY = True\nrequests.get(u, verify=VERIFY)\n",  # bound twice
        "import ssl\nctx = ssl.create_default_context()\nctx.verify_mode = ssl.CERT_REQUIRED\n",
        "import pycurl\nc.setopt(pycurl.SSL_VERIFYPEER, 1)\n",
        "import urllib3\np = urllib3.PoolManager()\n",
        "import ssl\nclass Ctx:\n    def __init__(self):\n        self.check_hostname = False\n",  # its own default
    ],
)
def test_verification_on(code: str) -> None:
    assert RULE not in rule_ids(code)
