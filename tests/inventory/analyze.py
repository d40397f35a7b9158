"""Run analyzers over a fixture folder or file the way the layer walk would.

Unit tests of one analyzer use this instead of a full image, so a fixture folder
(``dpkg/trivy-valid/var/lib/dpkg/status``) is seen with the same relative paths an image
layer would give.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
)


def analyze_tree(
    root: Path, analyzers: Iterable[Analyzer], options: AnalyzerOptions | None = None
) -> dict[tuple[str, str], FileResult]:
    """Every (analyzer name, relative path) result for the files under ``root``."""
    options = options or AnalyzerOptions()
    analyzers = tuple(analyzers)
    results: dict[tuple[str, str], FileResult] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            full = Path(dirpath, name)
            st = full.lstat()
            if not stat.S_ISREG(st.st_mode):
                continue
            rel = full.relative_to(root).as_posix()
            meta = FileMeta(path=rel, size=st.st_size, mode=stat.S_IMODE(st.st_mode))
            for analyzer in analyzers:
                if analyzer.wants(rel, meta):
                    with full.open("rb") as body:
                        results[(analyzer.name, rel)] = analyzer.analyze(rel, body, options)
    return results


def analyze_file(
    path: Path, rel: str, analyzer: Analyzer, options: AnalyzerOptions | None = None
) -> FileResult:
    """One analyzer on one file, presented at the relative path ``rel``."""
    with path.open("rb") as body:
        return analyzer.analyze(rel, body, options or AnalyzerOptions())


def packages_of(results: dict[tuple[str, str], FileResult]) -> list[Package]:
    """All packages, in path order."""
    return [p for key in sorted(results) for p in results[key].packages]
