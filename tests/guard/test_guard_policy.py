"""The trust-zone policy: parsing from real config files, classification, zone checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vulnhound.config import load_config
from vulnhound.errors import ConfigError
from vulnhound.guard.policy import DEFAULT_ZONES, Policy

POLICY = """
[tool.vulnhound.policy]
zones = ["laptop", "company-dc", "eu-cloud", "us-cloud"]
default_class = "internal"
max_bytes_per_scan = { "us-cloud" = 200000 }

[tool.vulnhound.policy.classes.restricted]
paths = ["restricted/**", "infra/**"]
max_zone = "laptop"

[tool.vulnhound.policy.classes.confidential]
paths = ["payments/**", "infra/terraform/**", "*.pem"]
max_zone = "company-dc"

[tool.vulnhound.policy.classes.internal]
max_zone = "us-cloud"
"""


def _load(tmp_path: Path, text: str) -> Policy:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    policy = load_config(tmp_path).policy
    assert isinstance(policy, Policy)
    return policy


def test_classification_takes_the_most_restrictive_class(tmp_path: Path) -> None:
    policy = _load(tmp_path, POLICY)
    assert policy.zones == ("laptop", "company-dc", "eu-cloud", "us-cloud")
    assert policy.byte_limit("us-cloud") == 200000 and policy.byte_limit("eu-cloud") is None
    # infra/terraform matches restricted and confidential: restricted (laptop) wins.
    assert policy.classify("infra/terraform/main.tf").name == "restricted"
    assert policy.classify("payments/api.py").name == "confidential"
    assert policy.classify("keys/server.pem").name == "confidential"
    assert policy.classify("app/views.py").name == "internal"
    assert policy.allows("payments/api.py", "company-dc")
    assert not policy.allows("payments/api.py", "eu-cloud")
    assert not policy.allows("restricted/x.py", "company-dc")
    assert policy.allows("app/views.py", "us-cloud")
    reason = policy.violation(["app/views.py", "restricted/secret_module.py"], "us-cloud")
    assert reason is not None and "restricted/secret_module.py" in reason and "laptop" in reason
    assert policy.violation(["app/views.py"], "us-cloud") is None


def test_default_policy_allows_everything_up_to_foreign_cloud(tmp_path: Path) -> None:
    (tmp_path / "vulnhound.toml").write_text("jobs = 1\n", encoding="utf-8")
    assert load_config(tmp_path).policy is None
    policy = Policy.default()
    assert policy.zones == DEFAULT_ZONES
    assert all(policy.allows("any/file.py", zone) for zone in DEFAULT_ZONES)
    # A default class the table does not define reaches every zone too.
    (tmp_path / "sub").mkdir()
    policy = _load(tmp_path / "sub", '[tool.vulnhound.policy]\nzones = ["a", "b"]\ndefault_class = "pub"\n')
    assert policy.classify("x.py").name == "pub" and policy.allows("x.py", "b")


def test_endpoint_zone_must_be_listed() -> None:
    policy = Policy.default()
    assert policy.check_endpoint_zone("glm", "foreign-cloud") == "foreign-cloud"
    with pytest.raises(ConfigError, match=r"model 'glm' has no 'zone'.*local, private-cloud"):
        policy.check_endpoint_zone("glm", None)
    with pytest.raises(ConfigError, match=r"model 'glm' has zone 'mars'.*does not list"):
        policy.check_endpoint_zone("glm", "mars")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[tool.vulnhound.policy]\nzone = []\n", r"unknown key 'zone'"),
        ('[tool.vulnhound.policy]\nzones = "local"\n', r"key 'zones' must be a list"),
        ('[tool.vulnhound.policy]\nzones = ["a", "a"]\n', r"lists a zone twice"),
        ("[tool.vulnhound.policy]\ndefault_class = 3\n", r"key 'default_class'"),
        ("[tool.vulnhound.policy]\nmax_bytes_per_scan = { mars = 1 }\n", r"names zone 'mars'"),
        ("[tool.vulnhound.policy]\nmax_bytes_per_scan = { local = -1 }\n", r"max_bytes_per_scan.local"),
        ('[tool.vulnhound.policy.classes.x]\npaths = ["a/**"]\n', r"class 'x'.*missing key 'max_zone'"),
        ('[tool.vulnhound.policy.classes.x]\nmax_zone = "moon"\n', r"key 'max_zone' names zone 'moon'"),
        ('[tool.vulnhound.policy.classes.x]\nmax_zone = "local"\npath = []\n', r"unknown key 'path'"),
        ('[tool.vulnhound.policy.classes.x]\nmax_zone = "local"\npaths = "a/**"\n', r"key 'paths'"),
        ("[tool.vulnhound]\npolicy = 3\n", r"key 'policy' must be a table"),
    ],
)
def test_bad_policy_tables_name_the_key_and_the_file(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(tmp_path)
    assert "pyproject.toml" in str(info.value)
