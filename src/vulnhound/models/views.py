"""The scanned files as a model may see them.

Prompts are built from these views, never from the files themselves: every secret the
guard found in a file is replaced where it stands (line structure kept, so line numbers
still match), and for purposes the policy names (``strip_comments``, triage by default)
comments and docstrings are removed, since text written for readers is where instructions
aimed at a model hide. The guard redacts each payload again on its way out.
"""

from __future__ import annotations

from collections.abc import Sequence

from vulnhound.guard.interface import EgressDoor
from vulnhound.models.strip import strip_comments
from vulnhound.sources import SourceFile


def model_views(files: Sequence[SourceFile], door: EgressDoor, purpose: str) -> list[SourceFile]:
    """``files`` with redacted (and, where the policy says so, comment-free) text."""
    strip = door.strips_comments(purpose)
    views: list[SourceFile] = []
    for source in files:
        text = door.redact_source(source)
        if strip:
            text = strip_comments(text, source.language)
        views.append(SourceFile(source.path, source.absolute_path, source.language, text))
    return views
