"""Provider adapters by name; imported only when a model is selected."""

from __future__ import annotations

from collections.abc import Mapping

from vulnhound.models.config import ModelConfig
from vulnhound.models.interface import Provider


def create_provider(config: ModelConfig, environ: Mapping[str, str]) -> Provider:
    """The adapter for ``config.provider``; the API key is read from ``api_key_env`` now."""
    key = environ.get(config.api_key_env, "") if config.api_key_env else ""
    if config.provider == "anthropic":
        from vulnhound.models.providers.anthropic import AnthropicProvider

        return AnthropicProvider(config, key)
    if config.provider == "llamacpp":
        from vulnhound.models.providers.llamacpp import LlamaCppProvider

        return LlamaCppProvider(config)
    from vulnhound.models.providers.openai import OpenAIProvider

    return OpenAIProvider(config, key)
