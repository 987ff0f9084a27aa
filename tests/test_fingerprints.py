"""Fingerprints survive unrelated edits and tell identical findings apart."""

from __future__ import annotations

from pathlib import Path

from vulnhound import Config, scan

BASE = '''import hashlib


def other(x):
    return x + 1


def token(value):
    """Make a token."""
    digest = hashlib.md5(value)
    return digest.hexdigest()
'''


def _prints(root: Path, text: str, name: str = "m.py") -> dict[int, str]:
    """line -> fingerprint for the findings in one file."""
    (root / name).write_text(text)
    result = scan([root], Config())
    prints = {f.location.start_line: f.fingerprint for f in result.findings if f.location.path == name}
    assert all(prints.values())
    return prints


def _only(prints: dict[int, str]) -> str:
    assert len(prints) == 1, prints
    return next(iter(prints.values()))


def test_lines_added_or_removed_above_leave_fingerprint_unchanged(tmp_path: Path) -> None:
    original = _prints(tmp_path, BASE)
    assert list(original) == [10]
    shifted = _prints(tmp_path, "# a new header comment\n\nimport os\n\n" + BASE)
    assert list(shifted) == [14]
    assert _only(shifted) == _only(original)
    removed = _prints(tmp_path, BASE.replace("import hashlib\n\n\n", "import hashlib\n"))
    assert list(removed) == [8] and _only(removed) == _only(original)


def test_edits_in_other_functions_and_same_function_above(tmp_path: Path) -> None:
    original = _only(_prints(tmp_path, BASE))
    other = BASE.replace("    return x + 1\n", "    y = x * 2\n    y -= 1\n    return y + 1\n")
    assert _only(_prints(tmp_path, other)) == original
    new_function = BASE.replace("def token", "def helper():\n    return 3\n\n\ndef token")
    assert _only(_prints(tmp_path, new_function)) == original
    nested = BASE.replace(
        "    digest = hashlib.md5(value)", "    if value:\n        digest = hashlib.md5(value)"
    )
    assert _only(_prints(tmp_path, nested)) == original  # indentation is not identity
    blank_lines = BASE.replace('"""Make a token."""\n', '"""Make a token."""\n\n\n')
    assert _only(_prints(tmp_path, blank_lines)) == original


def test_changing_the_flagged_line_changes_fingerprint(tmp_path: Path) -> None:
    original = _only(_prints(tmp_path, BASE))
    changed = _only(_prints(tmp_path, BASE.replace("hashlib.md5(value)", "hashlib.md5(value + b'salt')")))
    assert changed != original
    renamed = _only(_prints(tmp_path, BASE.replace("def token", "def make_token")))
    assert renamed != original  # the enclosing function is part of the identity
    other_file = _only(_prints(tmp_path, BASE, name="n.py"))
    assert other_file != original  # the path is part of the identity


def test_identical_findings_in_one_file_are_distinct_and_stable(tmp_path: Path) -> None:
    twice = BASE.replace(
        "    return digest.hexdigest()\n", "    digest = hashlib.md5(value)\n    return digest.hexdigest()\n"
    )
    prints = _prints(tmp_path, twice)
    assert list(prints) == [10, 11]
    assert len(set(prints.values())) == 2
    shifted = _prints(tmp_path, "\n\n\n" + twice)
    assert [shifted[13], shifted[14]] == [prints[10], prints[11]]


def test_line_hash_for_sarif_is_filled(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BASE)
    (finding,) = scan([tmp_path], Config()).findings
    assert finding.line_hash and finding.snippet == "digest = hashlib.md5(value)"
