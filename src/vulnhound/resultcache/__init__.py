"""Incremental scans: analyzer results cached by content, rules, code version and settings.

See :mod:`vulnhound.resultcache.run` for what is reused and when; the cache lives in the
user's cache folder (:mod:`vulnhound.resultcache.store`), never in the scanned tree.
"""

from vulnhound.resultcache.run import CacheReport, run_cached, scope_of
from vulnhound.resultcache.store import ResultStore

__all__ = ["CacheReport", "ResultStore", "run_cached", "scope_of"]
