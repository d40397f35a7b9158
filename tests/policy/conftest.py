"""Fixtures for the policy tests: real-data scan results and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullscan.match.interface import ScanResult

from . import realdata

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def app_result(shared: Path) -> ScanResult:
    return realdata.python_app(shared)


@pytest.fixture(scope="session")
def minbase_result(shared: Path) -> ScanResult:
    return realdata.minbase(shared)


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
