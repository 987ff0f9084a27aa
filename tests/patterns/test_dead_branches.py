"""Code under a branch a constant condition never takes produces no finding."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import hits

CALL = "requests.get(u, verify=False)"
RULE = "py/tls-verification-disabled"


def wrap(body: str) -> str:
    return "import requests\nimport typing\nfrom typing import TYPE_CHECKING\n" + body


@pytest.mark.parametrize(
    "body",
    [
        f"if False:\n    {CALL}\n",
        f"if 0:\n    {CALL}\n",
        f"if None:\n    {CALL}\n",
        f"if TYPE_CHECKING:\n    {CALL}\n",
        f"if typing.TYPE_CHECKING:\n    {CALL}\n",
        f"TOOLBAR = False\nif TOOLBAR:\n    {CALL}\n",
        f"if not True:\n    {CALL}\n",
        f"if False and ready():\n    {CALL}\n",
        f"if True:\n    pass\nelse:\n    {CALL}\n",
        f"while False:\n    {CALL}\n",
        f"x = {CALL} if False else None\n",
        f"def view():\n    if False:\n        return {CALL}\n",
        f"if False:\n    def helper():\n        {CALL}\n",
        f"MODE = 'prod'\nif MODE == 'dev':\n    {CALL}\n",
        f"MODE = 'prod'\nif MODE != 'prod':\n    {CALL}\n",
    ],
)
def test_dead_code_is_silent(body: str) -> None:
    assert hits(wrap(body)) == []


@pytest.mark.parametrize(
    "body",
    [
        f"if ready():\n    {CALL}\n",
        f"if __name__ == '__main__':\n    {CALL}\n",
        f"if True:\n    {CALL}\n",
        f"if False:\n    pass\nelse:\n    {CALL}\n",
        f"if False or ready():\n    {CALL}\n",
        f"TOOLBAR = False\nTOOLBAR = load()\nif TOOLBAR:\n    {CALL}\n",  # bound twice: unknown
        f"TOOLBAR = False\ndef f(TOOLBAR):\n    if TOOLBAR:\n        {CALL}\n",  # shadowed by a parameter
        f"TOOLBAR = False\nfor TOOLBAR in opts:\n    pass\nif TOOLBAR:\n    {CALL}\n",
        f"from settings import *\nTOOLBAR = False\nif TOOLBAR:\n    {CALL}\n",  # a star import may rebind
        f"x = {CALL} if True else None\n",
        f"while True:\n    {CALL}\n",
    ],
)
def test_live_code_is_reported(body: str) -> None:
    assert [rule for rule, _ in hits(wrap(body))] == [RULE]


def test_only_the_dead_call_is_silent() -> None:
    code = wrap(f"if False:\n    {CALL}\n{CALL}\n")
    assert hits(code) == [(RULE, 6)]
