"""Analyzers: everything that turns source files into findings plugs in here."""

from vulnhound.analyzers.interface import AnalysisContext, Analyzer, AnalyzerOutput

__all__ = ["AnalysisContext", "Analyzer", "AnalyzerOutput"]
