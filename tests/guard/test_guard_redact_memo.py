"""The redactor's memo of clean texts: repeated strings are cheap, never a way around redaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vulnhound.guard.redact import Redactor
from vulnhound.guard.secrets import SecretDetector


class CountingDetector:
    """The real default detector, counting the texts it is asked to scan."""

    def __init__(self) -> None:
        self.inner = SecretDetector.default()
        self.scanned: list[str] = []

    def find_all(self, text: str, language: str | None = None) -> Any:
        self.scanned.append(text)
        return self.inner.find_all(text, language)


def test_a_clean_text_is_scanned_once_and_a_new_text_always() -> None:
    detector = CountingDetector()
    redactor = Redactor(detector)  # type: ignore[arg-type]
    system = "You review code. Reply with JSON only."
    for i in range(5):
        payload = {
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": f"x = {i}"}]
        }
        assert redactor.redact_payload(payload).value == payload
    assert detector.scanned.count(system) == 1
    assert sorted(t for t in detector.scanned if t.startswith("x = ")) == [f"x = {i}" for i in range(5)]
    # a new text with a secret is found even with the memo warm
    leaked = redactor.redact_text('password = "hunter2!"')
    assert "hunter2!" not in leaked.value and leaked.count == 1


@dataclass(frozen=True)
class _File:
    path: str
    text: str
    language: str = "python"
    absolute_path: str = "/nowhere"


def test_a_remembered_clean_text_is_redacted_once_a_file_reveals_its_secret() -> None:
    redactor = Redactor()
    quoted = 'login("Zq8-hunter-77")'  # no detector fires on a call argument
    assert redactor.redact_text(quoted).value == quoted  # clean: remembered
    redactor.prime([_File("settings.py", 'password = "Zq8-hunter-77"')])  # a file scan finds it
    again = redactor.redact_text(quoted)
    assert again.value == 'login("<<VH_SECRET_1>>")'
    # and it stays redacted on later sightings
    assert redactor.redact_text(quoted).value == again.value


def test_the_memo_is_bounded() -> None:
    detector = CountingDetector()
    redactor = Redactor(detector, memo_size=2)  # type: ignore[arg-type]
    for text in ("a = 1", "b = 2", "c = 3", "a = 1"):
        redactor.redact_text(text)
    assert detector.scanned == ["a = 1", "b = 2", "c = 3", "a = 1"]  # "a = 1" was evicted
    redactor.redact_text("c = 3")
    assert detector.scanned.count("c = 3") == 1  # still remembered
