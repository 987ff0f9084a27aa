"""pattern_sites: the facts and sites the matcher works from, and hostile shapes."""

from __future__ import annotations

import ast
import textwrap

import pytest
from tests.patterns.helpers import hits

from vulnhound.analyzers.pattern_sites import live_sites, module_facts, static_truth, target_names


def sites(code: str) -> dict[str, tuple[tuple[str, ...], str, bool]]:
    """Call text -> (names, scope, toplevel)."""
    tree = ast.parse(textwrap.dedent(code))
    out = {}
    for site in live_sites(tree, module_facts(tree)):
        if isinstance(site.node, ast.Call):
            out[ast.unparse(site.node)] = (site.names, site.scope, site.toplevel)
    return out


def test_names_served_by_a_value() -> None:
    found = sites(
        """
        class Account:
            def reset(self):
                self.resetToken = make()
                return {"otp": gen()}
        user = User(password=pick())
        send(code())
        """
    )
    assert found["make()"] == (("reset_token",), "Account.reset", False)
    assert found["gen()"] == (("reset", "otp"), "Account.reset", False)
    assert found["pick()"][0] == ("user", "password")  # nearest last
    assert found["code()"][0] == ("send",)


def test_target_names() -> None:
    def names(target: str) -> tuple[str, ...]:
        node = ast.parse(f"{target} = 1").body[0]
        assert isinstance(node, ast.Assign)
        return target_names(node.targets[0])

    assert names("a, (b, *c)") == ("c", "b", "a")
    assert names("d['apiKey']") == ("api_key",)
    assert names("tokens[user]") == ("tokens",)


@pytest.mark.parametrize(
    ("test", "truth"),
    [
        ("False", False),
        ("1", True),
        ("not FLAG", True),
        ("FLAG or x", None),
        ("FLAG and x", False),
        ("x or True", True),
        ("TYPE_CHECKING", False),
        ("NAME == 'a'", True),
        ("NAME is None", False),
        ("x == 'a'", None),
        ("x", None),
        ("x.y", None),
    ],
)
def test_static_truth(test: str, truth: bool | None) -> None:
    tree = ast.parse("FLAG = False\nNAME = 'a'\n")
    expr = ast.parse(test, mode="eval").body
    assert static_truth(expr, module_facts(tree)) is truth


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    chain = "+".join(["a"] * 1500)  # a BinOp tree deeper than the recursion limit
    code = f"import random\nx = {chain}\ntoken = random.random()\n"
    assert hits(code) == [("py/weak-random", 3)]


def test_deeply_nested_not_is_unknown_not_a_crash() -> None:
    expr = ast.parse("not " * 500 + "FLAG", mode="eval").body
    assert static_truth(expr, module_facts(ast.parse("FLAG = False"))) is None
