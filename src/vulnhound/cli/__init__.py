"""The command line: the only place that reads argv, prints, or chooses an exit code."""

from vulnhound.cli.app import main

__all__ = ["main"]
