"""Reporters: pure functions from a ScanResult to text, in one registry."""

from vulnhound.reporters.registry import FORMATS, ReportOptions, render

__all__ = ["FORMATS", "ReportOptions", "render"]
