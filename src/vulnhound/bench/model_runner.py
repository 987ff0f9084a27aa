"""``--analyzer model:NAME``: a configured model, through the model layer and the egress guard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vulnhound.errors import UsageError

if TYPE_CHECKING:
    from vulnhound.bench.runners import Runner
    from vulnhound.config import Config


def create_model_runner(name: str, config: Config) -> Runner:
    raise UsageError(
        f"model:{name}: scoring models is not available yet (the model layer's hunting analysis "
        "has not landed); score the engine or imported results instead"
    )
