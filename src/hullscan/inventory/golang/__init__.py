"""Go modules: compiled into binaries (build info), declared in go.mod, pinned in go.sum."""

from __future__ import annotations

from hullscan.inventory.golang.binary import GoBinaryAnalyzer
from hullscan.inventory.golang.mod import GoModAnalyzer, GoSumAnalyzer
from hullscan.inventory.interface import Analyzer

ANALYZERS: list[Analyzer] = [GoBinaryAnalyzer(), GoModAnalyzer(), GoSumAnalyzer()]
