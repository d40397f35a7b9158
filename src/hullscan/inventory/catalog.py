"""Every analyzer by name, kind and version, known without importing its module.

A rescan finds its inventory in the cache under the analyzers' names and versions; it needs
their code only if something is missing. Importing the twenty analyzer modules is about a
third of a warm scan's run time, so the cache key is made from this table and a module is
imported only when a layer has to be read. `load` checks each loaded analyzer against its
entry, so a version bumped in the analyzer but not here fails loudly instead of serving cached
results of the old code.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from hullscan.inventory.interface import Analyzer, AnalyzerKind

__all__ = ["CATALOG", "AnalyzerEntry", "entries_of", "load"]

_OS = AnalyzerKind.OS
_LIBRARY = AnalyzerKind.LIBRARY


@dataclass(frozen=True)
class AnalyzerEntry:
    """An analyzer as the cache key sees it; ``module`` is under `hullscan.inventory`."""

    name: str
    kind: AnalyzerKind
    version: int
    module: str


# In the order the walk offers files to analyzers: by module, then as each module lists them.
CATALOG: tuple[AnalyzerEntry, ...] = (
    AnalyzerEntry("apk", _OS, 1, "apk"),
    AnalyzerEntry("dotnet-deps", _LIBRARY, 1, "dotnet"),
    AnalyzerEntry("nuget-lock", _LIBRARY, 1, "dotnet"),
    AnalyzerEntry("dpkg", _OS, 1, "dpkg"),
    AnalyzerEntry("go-binary", _LIBRARY, 1, "golang"),
    AnalyzerEntry("go-mod", _LIBRARY, 1, "golang"),
    AnalyzerEntry("go-sum", _LIBRARY, 1, "golang"),
    AnalyzerEntry("java-archive", _LIBRARY, 1, "java"),
    AnalyzerEntry("npm-package", _LIBRARY, 1, "npm"),
    AnalyzerEntry("npm-lock", _LIBRARY, 1, "npm"),
    AnalyzerEntry("os-release", _OS, 1, "osrelease"),
    AnalyzerEntry("php-composer-lock", _LIBRARY, 1, "php"),
    AnalyzerEntry("php-composer-installed", _LIBRARY, 1, "php"),
    AnalyzerEntry("python-installed", _LIBRARY, 1, "python"),
    AnalyzerEntry("python-lock", _LIBRARY, 1, "python"),
    AnalyzerEntry("rpm", _OS, 2, "rpm"),
    AnalyzerEntry("ruby-gemspec", _LIBRARY, 1, "ruby"),
    AnalyzerEntry("ruby-bundler", _LIBRARY, 1, "ruby"),
    AnalyzerEntry("cargo-lock", _LIBRARY, 1, "rust"),
    AnalyzerEntry("rust-binary", _LIBRARY, 1, "rust"),
)


def entries_of(kinds: frozenset[AnalyzerKind]) -> tuple[AnalyzerEntry, ...]:
    """The entries of the given kinds (``--pkg-types os,library``), in catalog order."""
    return tuple(e for e in CATALOG if e.kind in kinds)


def load(entries: Iterable[AnalyzerEntry]) -> tuple[Analyzer, ...]:
    """The analyzers of ``entries``, importing only the modules they live in."""
    out = []
    for entry in entries:
        analyzer = _module_analyzers(entry.module).get(entry.name)
        if analyzer is None or (analyzer.kind, analyzer.version) != (entry.kind, entry.version):
            found = f"{analyzer.kind.value} v{analyzer.version}" if analyzer else "nothing"
            raise RuntimeError(
                f"analyzer catalog is stale: {entry.name} is listed as {entry.kind.value} "
                f"v{entry.version}, hullscan.inventory.{entry.module} has {found}"
            )
        out.append(analyzer)
    return tuple(out)


@cache
def _module_analyzers(module: str) -> dict[str, Analyzer]:
    loaded = importlib.import_module(f"hullscan.inventory.{module}")
    return {a.name: a for a in getattr(loaded, "ANALYZERS", ())}
