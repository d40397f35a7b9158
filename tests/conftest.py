"""Shared test fixtures: where the read-only shared data lives."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The shared data folder: $HULLSCAN_SHARED, else ../shared beside the repo root."""
    env = os.environ.get("HULLSCAN_SHARED")
    path = Path(env) if env else REPO_ROOT.parent / "shared"
    if not (path / "data").is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _restore_hullscan_logger() -> Iterator[None]:
    """The CLI points the ``hullscan`` logger at stderr and stops propagation; a test that
    runs ``main()`` must not take log capture away from the tests after it in its worker."""
    logger = logging.getLogger("hullscan")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def images_dir(shared: Path) -> Path:
    return shared / "data" / "images"


@pytest.fixture(scope="session")
def fixtures_dir(shared: Path) -> Path:
    return shared / "data" / "fixtures"


@pytest.fixture(scope="session")
def advisories_dir(shared: Path) -> Path:
    return shared / "data" / "advisories"


@pytest.fixture(scope="session")
def vulndb_path(advisories_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vulnerability database built once per session from all shared advisory data."""
    from hullscan.vulndb.build import build_database

    path = tmp_path_factory.mktemp("vulndb") / "hullscan.db"
    build_database(advisories_dir, path, offline=True)
    return path
