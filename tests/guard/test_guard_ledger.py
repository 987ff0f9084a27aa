"""The ledger's hash chain: intact ledgers verify, every kind of tampering is caught by the
real CLI naming the first bad line, appends are safe across threads and processes, and
``audit report`` adds up what the entries say."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from vulnhound.guard.ledger import Ledger, head_path, verify


def _entry(
    i: int, decision: str = "sent", zone: str = "foreign-cloud", model: str = "glm"
) -> dict[str, object]:
    return {
        "decision": decision,
        "model": model,
        "zone": zone,
        "endpoint_host": "127.0.0.1:8000",
        "purpose": "hunt",
        "unit_id": f"unit-{i}",
        "files": [{"path": f"app/m{i % 2}.py", "lines": [1, 10 + i]}],
        "bytes": 100 + i if decision != "blocked" else 0,
        "sha256": f"{i:064x}" if decision != "blocked" else None,
        "redactions": i % 3,
        "reason": "policy: no" if decision == "blocked" else None,
    }


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    ledger = Ledger(tmp_path / ".vulnhound" / "ledger.jsonl", fsync=False)
    for i in range(1, 7):
        ledger.append(_entry(i, "blocked" if i == 4 else "sent"))
    return ledger.path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_untouched_ledger_verifies(ledger_file: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proc = cli("audit", "verify", ledger_file)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "intact: 6 entries" in proc.stdout
    lines = [json.loads(x) for x in _lines(ledger_file)]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[0]["prev"] == "0" * 64 and all(lines[i]["prev"] == lines[i - 1]["hash"] for i in range(1, 6))
    assert json.loads(head_path(ledger_file).read_text())["last_hash"] == lines[-1]["hash"]


def _edit_field(lines: list[bytes]) -> list[bytes]:
    entry = json.loads(lines[2])
    entry["bytes"] = 1
    lines[2] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    return lines


def _insert(lines: list[bytes]) -> list[bytes]:
    return [*lines[:3], lines[2], *lines[3:]]


TAMPERING = {
    "edit a field": (_edit_field, 3, "hash mismatch"),
    "delete a line": (lambda lines: [*lines[:1], *lines[2:]], 2, "sequence number 3, expected 2"),
    "insert a line": (_insert, 4, "sequence number 3, expected 4"),
    "swap two lines": (lambda lines: [*lines[:3], lines[4], lines[3], *lines[5:]], 4, "sequence number 5"),
    "truncate the last entry": (lambda lines: lines[:-1], 6, "missing entry"),
    "cut a partial line": (lambda lines: [*lines[:-1], lines[-1][:40]], 6, "incomplete last line"),
    "delete the first line": (lambda lines: lines[1:], 1, "sequence number 2, expected 1"),
    "whitespace edit": (lambda lines: [lines[0].replace(b":", b": ", 1), *lines[1:]], 1, "canonical"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_is_named_at_the_first_bad_line(ledger_file: Path, cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    change, line, reason = TAMPERING[kind]
    ledger_file.write_bytes(b"".join(change(_lines(ledger_file))))
    proc = cli("audit", "verify", ledger_file)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"first bad entry at line {line}:" in proc.stdout, proc.stdout
    assert reason in proc.stdout


def test_rewritten_head_or_missing_head_fails(ledger_file: Path, cli) -> None:  # type: ignore[no-untyped-def]
    head = head_path(ledger_file)
    saved = head.read_text()
    head.write_text(json.dumps({"count": 6, "last_hash": "f" * 64}))
    assert cli("audit", "verify", ledger_file).returncode == 1
    head.unlink()
    proc = cli("audit", "verify", ledger_file)
    assert proc.returncode == 1 and "head file" in proc.stdout
    head.write_text(saved)
    assert verify(ledger_file).ok


def test_unreadable_ledger_exits_2(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proc = cli("audit", "verify", tmp_path / "nope.jsonl")
    assert proc.returncode == 2 and "cannot read ledger" in proc.stderr
    assert cli("audit", "report", tmp_path / "nope.jsonl").returncode == 2


def test_audit_report_adds_up_per_zone_model_and_file(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger(tmp_path / "l.jsonl", fsync=False)
    ledger.append(_entry(1, "sent", "foreign-cloud", "glm"))  # m1, 101 bytes, 1 redaction
    ledger.append(_entry(2, "sent", "local", "qwen"))  # m0, 102 bytes, 2 redactions
    ledger.append(_entry(3, "blocked", "foreign-cloud", "glm"))  # m1
    ledger.append(_entry(4, "sent", "foreign-cloud", "glm"))  # m0, 104 bytes, 1 redaction
    ledger.append(_entry(5, "failed", "foreign-cloud", "glm"))  # m1: not counted as bytes sent
    proc = cli("audit", "report", ledger.path, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["intact"] is True and report["entries"] == 5
    assert report["zones"]["foreign-cloud"] == {
        "sent": 2,
        "blocked": 1,
        "planned": 0,
        "failed": 1,
        "bytes": 205,
        "redactions": 2,
    }
    assert report["zones"]["local"]["bytes"] == 102 and report["zones"]["local"]["sent"] == 1
    assert report["models"]["qwen"]["redactions"] == 2
    assert report["files"]["app/m0.py"] == {
        "sent": 2,
        "blocked": 0,
        "planned": 0,
        "failed": 0,
        "bytes": 206,
        "redactions": 3,
    }
    assert report["files"]["app/m1.py"]["blocked"] == 1 and report["files"]["app/m1.py"]["bytes"] == 101
    text = cli("audit", "report", ledger.path)
    assert text.returncode == 0 and "foreign-cloud: 2 sent, 1 blocked, 1 failed" in text.stdout


def _append_many(path: str, start: int, count: int) -> None:
    ledger = Ledger(Path(path), fsync=False)
    for i in range(start, start + count):
        ledger.append(_entry(i))


def test_concurrent_appends_from_threads_and_processes_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_append_many, args=(str(path), 1000 * p, 15)) for p in range(3)]
    for process in processes:
        process.start()
    ledger = Ledger(path, fsync=False)
    threads = [
        threading.Thread(target=lambda k=k: [ledger.append(_entry(k * 100 + j)) for j in range(15)])
        for k in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    result = verify(path)
    assert result.ok, result.describe()
    assert result.entries == 7 * 15


def test_append_refuses_a_damaged_tail(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl", fsync=False)
    ledger.append(_entry(1))
    with ledger.path.open("ab") as handle:
        handle.write(b'{"seq":2,')
    from vulnhound.guard.ledger import LedgerError

    with pytest.raises(LedgerError, match="incomplete"):
        ledger.append(_entry(2))
