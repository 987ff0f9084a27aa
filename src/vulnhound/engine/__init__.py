"""The offline Python taint engine: sources to sinks across functions and modules.

Rule knowledge (sources, sinks, sanitizers, propagators) is data read from the rule files;
this package holds only the machinery: parsing, the module index, the per-function abstract
interpreter that builds summaries, and the analyzer that runs them to a fixpoint.
"""
