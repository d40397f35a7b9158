"""Package inventory: one analyzer module per package source.

Each analyzer module exposes ``ANALYZERS``, a list of `Analyzer` instances; `all_analyzers`
collects them, so adding a package source is adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from hullscan.inventory.interface import Analyzer, AnalyzerKind

__all__ = ["all_analyzers", "analyzers_of"]


@cache
def all_analyzers() -> tuple[Analyzer, ...]:
    """Every analyzer in this package, in a stable order (by module, then as listed)."""
    found: list[Analyzer] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in {"interface", "merge"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "ANALYZERS", ()))
    return tuple(found)


def analyzers_of(kinds: frozenset[AnalyzerKind]) -> tuple[Analyzer, ...]:
    """The analyzers of the given kinds (``--pkg-types os,library``)."""
    return tuple(a for a in all_analyzers() if a.kind in kinds)
