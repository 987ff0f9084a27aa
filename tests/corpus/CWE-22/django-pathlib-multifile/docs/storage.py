from pathlib import Path

BASE = Path("/var/docs")


def read_document(slug):
    target = BASE / f"{slug}.txt"
    return target.read_text()
