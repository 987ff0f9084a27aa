"""Ledger laundering: every way of hiding entries, then one more append.

An append must check the file against its head first and refuse with a clear error when
they disagree; otherwise the next entry would chain onto the damaged file, rewrite the
head, and ``audit verify`` would report a laundered ledger intact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from vulnhound.guard.ledger import Ledger, LedgerError, canonical, entry_hash, head_path, verify


def _entry(n: int) -> dict[str, object]:
    return {"decision": "sent", "model": "m", "zone": "foreign-cloud", "unit_id": f"u{n}", "bytes": n}


def _ledger(tmp_path: Path, count: int = 4) -> Ledger:
    ledger = Ledger(tmp_path / "ledger.jsonl", fsync=False)
    for n in range(count):
        ledger.append(_entry(n))
    assert verify(ledger.path).ok
    return ledger


def _cut_last(ledger: Ledger) -> None:
    lines = ledger.path.read_bytes().splitlines(keepends=True)
    ledger.path.write_bytes(b"".join(lines[:-1]))


def _cut_to_first(ledger: Ledger) -> None:
    lines = ledger.path.read_bytes().splitlines(keepends=True)
    ledger.path.write_bytes(lines[0])


def _empty(ledger: Ledger) -> None:
    ledger.path.write_bytes(b"")


def _delete_keep_head(ledger: Ledger) -> None:
    ledger.path.unlink()


def _delete_head(ledger: Ledger) -> None:
    head_path(ledger.path).unlink()


def _garble_head(ledger: Ledger) -> None:
    head_path(ledger.path).write_text("{not json", encoding="utf-8")


def _rewrite_last(ledger: Ledger) -> None:
    """Replace the last entry by a forged one that chains correctly (but the head knows)."""
    lines = ledger.path.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    last["model"] = "innocent"
    last["hash"] = entry_hash(last)
    ledger.path.write_bytes(b"".join(lines[:-1]) + canonical(last) + b"\n")


def _truncate_and_forge_tail(ledger: Ledger) -> None:
    """Cut two entries and append a forged one in their place: a shorter, valid chain."""
    lines = ledger.path.read_bytes().splitlines(keepends=True)[:-2]
    prev = json.loads(lines[-1])
    forged = {**prev, "seq": prev["seq"] + 1, "prev": prev["hash"], "unit_id": "forged"}
    forged["hash"] = entry_hash(forged)
    ledger.path.write_bytes(b"".join(lines) + canonical(forged) + b"\n")


TAMPERING: list[tuple[str, Callable[[Ledger], None]]] = [
    ("truncate one entry", _cut_last),
    ("truncate to the first entry", _cut_to_first),
    ("empty the file", _empty),
    ("delete the ledger, keep the head", _delete_keep_head),
    ("delete the head", _delete_head),
    ("garble the head", _garble_head),
    ("rewrite the last entry", _rewrite_last),
    ("truncate and forge a tail", _truncate_and_forge_tail),
]


@pytest.mark.parametrize(("name", "tamper"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_an_append_refuses_a_ledger_that_disagrees_with_its_head(
    tmp_path: Path, name: str, tamper: Callable[[Ledger], None]
) -> None:
    ledger = _ledger(tmp_path)
    tamper(ledger)
    before = ledger.path.read_bytes() if ledger.path.exists() else None
    with pytest.raises(LedgerError, match="refusing to append"):
        Ledger(ledger.path).check()
    with pytest.raises(LedgerError, match="refusing to append"):
        Ledger(ledger.path).append(_entry(99))
    after = ledger.path.read_bytes() if ledger.path.exists() else None
    assert after in (before, b"" if before is None else before), name  # nothing was added
    assert not verify(ledger.path).ok, name  # and the damage still shows


def test_a_crash_between_entry_and_head_is_healed_by_the_next_append(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path, 3)
    head = head_path(ledger.path).read_text(encoding="utf-8")
    ledger.append(_entry(3))
    head_path(ledger.path).write_text(head, encoding="utf-8")  # as if the head write never happened
    Ledger(ledger.path).append(_entry(4))
    result = verify(ledger.path)
    assert result.ok and result.entries == 5


def test_a_new_ledger_and_a_continued_one_are_accepted(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "new" / "ledger.jsonl", fsync=False)
    ledger.check()  # nothing there yet: fine
    ledger.append(_entry(0))
    Ledger(ledger.path).check()
    Ledger(ledger.path).append(_entry(1))
    assert verify(ledger.path).ok and verify(ledger.path).entries == 2
