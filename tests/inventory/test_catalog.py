"""The analyzer catalog says what the analyzer modules hold, so cache keys can be made
without importing them."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

import hullscan.inventory
from hullscan.inventory.catalog import CATALOG, AnalyzerEntry, entries_of, load
from hullscan.inventory.interface import AnalyzerKind


def test_catalog_lists_every_analyzer_module_holds() -> None:
    found = []
    modules = sorted(pkgutil.iter_modules(hullscan.inventory.__path__), key=lambda m: m.name)
    for info in modules:
        module = importlib.import_module(f"hullscan.inventory.{info.name}")
        found += [
            AnalyzerEntry(a.name, a.kind, a.version, info.name)
            for a in getattr(module, "ANALYZERS", ())
        ]
    assert list(CATALOG) == found


def test_load_gives_the_listed_analyzers_in_order() -> None:
    os_entries = entries_of(frozenset({AnalyzerKind.OS}))
    assert [e.name for e in os_entries] == ["apk", "dpkg", "os-release", "rpm"]
    assert [a.name for a in load(os_entries)] == [e.name for e in os_entries]


def test_a_stale_entry_fails_loudly() -> None:
    """A version bumped in the code but not in the catalog would serve old cached results."""
    stale = dataclasses.replace(CATALOG[0], version=CATALOG[0].version + 1)
    with pytest.raises(RuntimeError, match="analyzer catalog is stale: apk"):
        load([stale])
    with pytest.raises(RuntimeError, match="has nothing"):
        load([dataclasses.replace(CATALOG[0], name="no-such-analyzer")])
