"""Secret detection, redaction with stable placeholders, and the secrets analyzer."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from vulnhound.config import Config
from vulnhound.guard.redact import Redactor
from vulnhound.guard.secrets import (
    _ENTROPY_CANDIDATE,
    SecretDetector,
    _anchored_matches,
    _entropy_candidates,
)
from vulnhound.scanner import scan

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)

# (kind, source line, the secret that must be found and fully redacted)
POSITIVE = [
    ("aws-access-key-id", 'KEY_ID = "AKIAQX3VB7NMKL2P4RT9"', "AKIAQX3VB7NMKL2P4RT9"),
    ("aws-access-key-id", "session = 'ASIAZZ7K2LMN8QRS4TUV'", "ASIAZZ7K2LMN8QRS4TUV"),
    (
        "aws-secret-access-key",
        'aws_secret_access_key = "q8Vd2Lm/Xp4Rt7Vb3Kc6Hj1Gf5Ds0Ae9Wz+NyUoX"',
        "q8Vd2Lm/Xp4Rt7Vb3Kc6Hj1Gf5Ds0Ae9Wz+NyUoX",
    ),
    ("private-key", f'KEY = """{PEM}"""', PEM),
    (
        "github-token",
        'gh = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"',
        "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
    ),
    ("gitlab-token", 'GL = "glpat-Ab3De5Fg7Hi9Jk1Lm3No"', "glpat-Ab3De5Fg7Hi9Jk1Lm3No"),
    ("slack-token", 'SLACK = "xoxb-123456789012-abcdefghijkl"', "xoxb-123456789012-abcdefghijkl"),
    ("stripe-key", 'stripe.key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"', "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    (
        "google-api-key",
        'G = "AIzaSyD-1234567890abcdefghijklmnopqrstu"',
        "AIzaSyD-1234567890abcdefghijklmnopqrstu",
    ),
    (
        "jwt",
        'T = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("bearer-token", 'h = {"Authorization": "Bearer abcDEF123ghiJKL456mnoPQR"}', "abcDEF123ghiJKL456mnoPQR"),
    ("password-assignment", 'password = "hunter2!"', "hunter2!"),
    ("password-assignment", "DB_PASSWORD: str = 'Tr0ub4dor&3'", "Tr0ub4dor&3"),
    ("password-assignment", 'settings = {"api_key": "k-93jd8s7d"}', "k-93jd8s7d"),
    ("password-assignment", 'client = connect(host="db", secret="s3cr3tValue")', "s3cr3tValue"),
    ("password-assignment", "$db_pass = 'x'; $password = 'PhpPass77';", "PhpPass77"),
    ("password-assignment", 'apiToken := "goTok3nValue"', "goTok3nValue"),
    ("password-assignment", 'if password == "letmein42":', "letmein42"),
    ("url-password", 'DSN = "postgres://admin:Pa55w0rd@db.internal:5432/app"', "Pa55w0rd"),
    ("url-password", "REDIS = 'redis://:r3dis-pw@cache:6379/0'", "r3dis-pw"),
    ("high-entropy-string", 'blob = "Zx8Qw2Lm9Np4Rt7Vb3Kc6Hj1Gf5Ds0Ae"', "Zx8Qw2Lm9Np4Rt7Vb3Kc6Hj1Gf5Ds0Ae"),
]

SAFE = [
    'password = os.environ["PW"]',
    'password = os.environ.get("DB_PASSWORD", "")',
    'password = ""',
    "password = None",
    "password = get_password()",
    'password = "changeme"',
    'password = "xxx"',
    'password = "<password>"',
    'password = "${DB_PASSWORD}"',
    'password = "{password}"',
    'password_prompt = "Enter your password"',
    'token_url = "https://auth.example.com/token"',
    'PASSWORD_FIELD = "user_password"',
    'url = f"postgres://{user}:{pw}@db/app"',
    'u = "550e8400-e29b-41d4-a716-446655440000"',
    'sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
    'integrity = "sha512-Zx8Qw2Lm9Np4Rt7Vb3Kc6Hj1Gf5Ds0Ae=="',
    'name = "get_user_profile_by_identifier_v2"',
    'tokenizer = "bert-base-uncased"',
]


@pytest.mark.parametrize(
    ("kind", "line", "secret"), POSITIVE, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(POSITIVE)]
)
def test_every_secret_kind_is_found_and_fully_redacted(kind: str, line: str, secret: str) -> None:
    found = SecretDetector.default().find(line)
    assert any(m.kind == kind and m.value == secret for m in found), found
    text = f"before\n{line}\nafter {secret} again\n"
    redacted = Redactor().redact_text(text)
    assert secret not in redacted.value
    # No fragment of the secret survives either: check every 6-character window.
    for i in range(len(secret) - 5):
        fragment = secret[i : i + 6]
        if fragment.strip() and fragment not in text.replace(secret, ""):
            assert fragment not in redacted.value, fragment
    assert redacted.count >= 2  # the detected one and the repeated occurrence


@pytest.mark.parametrize("line", SAFE)
def test_safe_look_alikes_are_not_secrets(line: str) -> None:
    assert SecretDetector.default().find(line) == []
    assert Redactor().redact_text(line).value == line


@dataclass(frozen=True)
class _File:
    path: str
    text: str
    language: str = "python"
    absolute_path: str = "/nowhere"


def test_primed_secrets_keep_one_number_for_the_scan_and_are_never_restored() -> None:
    redactor = Redactor()
    redactor.prime([_File("b.py", 'password = "hunter2!"'), _File("a.py", 'a = "AKIAQX3VB7NMKL2P4RT9"')])
    first = redactor.redact_text('a = "AKIAQX3VB7NMKL2P4RT9"\npassword = "hunter2!"')
    second = redactor.redact_text('again("AKIAQX3VB7NMKL2P4RT9")')  # no detector fires on this call
    assert first.value == 'a = "<<VH_SECRET_1>>"\npassword = "<<VH_SECRET_2>>"'  # a.py first: path order
    assert second.value == 'again("<<VH_SECRET_1>>")'
    assert not hasattr(redactor, "restore")


def test_a_value_only_a_payload_reveals_is_numbered_within_that_payload() -> None:
    redactor = Redactor()
    redactor.prime([_File("a.py", 'a = "AKIAQX3VB7NMKL2P4RT9"')])
    one = redactor.redact_payload(["token = 'Zq8hunterAB77'", "x('Zq8hunterAB77')"])
    two = redactor.redact_payload(["token = 'Other9Secret44'"])
    assert one.value == ["token = '<<VH_SECRET_2>>'", "x('<<VH_SECRET_2>>')"]  # recurs, undetected
    assert two.value == ["token = '<<VH_SECRET_2>>'"]  # numbered in its own payload: order-free


def test_priming_makes_numbering_independent_of_request_order() -> None:
    files = [_File("a.py", 'a = "AKIAQX3VB7NMKL2P4RT9"'), _File("b.py", 'password = "hunter2!"')]
    one, two = Redactor(), Redactor()
    one.prime(files)
    two.prime(reversed(files))
    assert (
        one.redact_text(files[1].text).value
        == two.redact_text(files[1].text).value
        == 'password = "<<VH_SECRET_2>>"'
    )
    assert two.redact_text(files[0].text).value == 'a = "<<VH_SECRET_1>>"'


def test_a_files_short_secret_is_hidden_from_payloads_that_carry_the_file() -> None:
    redactor = Redactor()
    redactor.prime([_File("conf.ini", "[db]\npassword = owl\n", "ini")])
    carried = redactor.redact_text("   2 | password = owl\nthe owl flies", ["conf.ini"]).value
    assert "owl" not in carried.replace("<<", "")
    # Other payloads keep the plain word: it is no credential-looking value.
    assert redactor.redact_text("the owl flies").value == "the owl flies"


def test_payload_redaction_is_recursive_and_leaves_keys() -> None:
    payload = {
        "model": "m",
        "messages": [{"role": "user", "content": 'x = "AKIAQX3VB7NMKL2P4RT9"'}],
        "nested": {"deep": ["postgres://u:Pa55w0rd@h/db", 3, None]},
    }
    result = Redactor().redact_payload(payload)
    dumped = json.dumps(result.value)
    assert "AKIAQX3VB7NMKL2P4RT9" not in dumped and "Pa55w0rd" not in dumped
    assert result.count == 2
    assert result.value["messages"][0]["role"] == "user"
    assert result.value["nested"]["deep"][1:] == [3, None]
    assert payload["messages"][0]["content"] == 'x = "AKIAQX3VB7NMKL2P4RT9"'  # input untouched


def test_overlapping_secrets_leave_nothing_behind() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    text = f'token = "Bearer {jwt}"'
    redacted = Redactor().redact_text(text).value
    assert "eyJ" not in redacted and "dozjg" not in redacted


def test_unterminated_private_key_is_redacted_to_the_end() -> None:
    text = "key = '''-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nmore"
    redacted = Redactor().redact_text(text).value
    # One placeholder per line: line numbers of the code around it stay right.
    assert redacted == "key = '''<<VH_SECRET_1>>\n<<VH_SECRET_2>>\n<<VH_SECRET_3>>"


def test_analyzer_reports_masked_secrets_in_a_normal_scan(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tests").mkdir()
    (tmp_path / "settings.py").write_text(
        'import os\nAWS_KEY = "AKIAQX3VB7NMKL2P4RT9"\nPASSWORD = os.environ["PW"]\n'
        'DATABASE_URL = "postgres://app:Pa55w0rd@db/app"\n',
        encoding="utf-8",
    )
    (tmp_path / "tests" / "test_login.py").write_text('password = "fixturePw1"\n', encoding="utf-8")
    (tmp_path / "deploy.sh").write_text('export GITHUB_TOKEN="ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"\n')
    proc = cli("scan", tmp_path, "--analyzer", "secrets", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    for secret in ("AKIAQX3VB7NMKL2P4RT9", "Pa55w0rd", "fixturePw1", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"):
        assert secret not in proc.stdout
    report = json.loads(proc.stdout)
    got = sorted(
        (f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in report["findings"]
    )
    assert got == [
        ("deploy.sh", 1, "secrets/api-token"),
        ("settings.py", 2, "secrets/api-token"),
        ("settings.py", 4, "secrets/hardcoded-credential"),
        ("tests/test_login.py", 1, "secrets/hardcoded-credential"),
    ]
    assert all(f["cwe"][0] == "CWE-798" for f in report["findings"])
    assert any("AKIA****" in f["message"] for f in report["findings"])


def test_secrets_analyzer_runs_by_default(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('password = "hunter2!"\n', encoding="utf-8")
    result = scan([tmp_path], Config())
    assert [f.rule_id for f in result.findings] == ["secrets/hardcoded-credential"]
    assert "hunter2!" not in result.findings[0].message and "hunter2!" not in result.findings[0].snippet


# The fast paths must find exactly what the plain regular expressions find.
_TRICKY = [
    'k = "aB3dE5gH7jK9mN1pQ3sT"',
    "k= aB3dE5gH7jK9mN1pQ3sT==\n",
    "k:\taB3dE5gH7jK9mN1pQ3sT=",
    'x = "aB3dE5gH7jK9mN1pQ3sT=x"',  # "=" then a run character: no match
    "x = aB3dE5gH7jK9mN1pQ3sT.y",  # not closed
    "=aB3dE5gH7jK9mN1pQ3sT==\"bB3dE5gH7jK9mN1pQ3sT'",
    "k= aB3dE5gH7jK9mN1pQ3sT= zB3dE5gH7jK9mN1pQ3sT",  # the second one's "= " is the first's padding
    "'aB3dE5gH7jK9mN1pQ3sT'aB3dE5gH7jK9mN1pQ3sT'",
    "a\u00a0:\u2028aB3dE5gH7jK9mN1pQ3sT)",
    "=aB3dE5gH7jK9mN1pQ3s",  # 15 characters: too short
]


@pytest.mark.parametrize("seed", range(3))
def test_entropy_candidates_are_exactly_the_regex_matches(seed: int) -> None:
    rng = random.Random(seed)
    texts = list(_TRICKY)
    for _ in range(3000):
        texts.append(
            "".join(
                rng.choice(["aZ9_-+/" * 3, "=\"'`: \t\n,;)]}.(\u00a0"][rng.random() < 0.3]) for _ in range(50)
            )
        )
    for text in texts:
        assert _entropy_candidates(text) == [m.span("value") for m in _ENTROPY_CANDIDATE.finditer(text)], text


def test_anchored_detectors_find_what_their_regex_finds() -> None:
    detector = SecretDetector.default()
    anchored = [d for d in detector._detectors if d.anchored]
    assert anchored  # the shipped data marks some detectors anchored
    lines = [line for _, line, _ in POSITIVE] + [
        'my_db_password = \'Xy9kLm2pQ\' ; TOKEN_URL = "https://a"; apiKey: "Zq8xW2vB7nM4"',
        'self.tokens["x"] = "hunter2hunter2"; passwd=="with"; auth_key => \'k3yk3yk3y\'',
        "headers = {'Authorization': 'Bearer abcDEF123456ghiJKL789mno', 'X': 'Basic dXNlcjpwYXNzd29yZA=='}",
        "secretsecret = 'a'; token_token_token = 'bbbbbbbb'; PasswordPassword: str = 'cccccc'",
        "db_pass = 'Xk29vLq8'; dbPass = 'Yk29vLq8'; PW = 'Zk29'; bypass = 'q'; passage = 'r'; upward = 's'",
        "compass_pw: str = 'Wk29vLq8'; PASSES = 't'; pass\n_pw == 'u1u1u1'",
    ]
    text = "\n".join(lines)
    for det in anchored:
        fast = [(m.span(), m.group(0)) for m in _anchored_matches(det, text, text.lower())]
        assert fast == [(m.span(), m.group(0)) for m in det.regex.finditer(text)], det.kind
    assert any(d.kind == "password-assignment" for d in anchored)
