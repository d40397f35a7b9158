"""Package inventory: one analyzer module per package source.

Each analyzer module exposes ``ANALYZERS``, a list of `Analyzer` instances, and lists them in
`hullscan.inventory.catalog` (name, kind, version), which is what the layer and inventory
caches key on; adding a package source is adding one module and its catalog lines.
"""

from __future__ import annotations

from hullscan.inventory.catalog import CATALOG, entries_of, load
from hullscan.inventory.interface import Analyzer, AnalyzerKind

__all__ = ["all_analyzers", "analyzers_of"]


def all_analyzers() -> tuple[Analyzer, ...]:
    """Every analyzer in this package, in catalog order."""
    return load(CATALOG)


def analyzers_of(kinds: frozenset[AnalyzerKind]) -> tuple[Analyzer, ...]:
    """The analyzers of the given kinds (``--pkg-types os,library``)."""
    return load(entries_of(kinds))
