"""Packages built from the shared image package lists, and one matcher over the test DB.

The lists are read here directly (not through the image reader) so matching is tested on
its own; the end-to-end scan test lives with the integrator.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from hullscan.inventory.interface import Package, PackageType
from hullscan.match.matcher import Matcher
from hullscan.vulndb.store import VulnDB


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def dpkg_packages(path: Path, release: str = "12") -> list[Package]:
    return [
        Package(
            type=PackageType.DEB,
            name=r["package"],
            version=r["version"],
            found_in="var/lib/dpkg/status",
            ecosystem=f"Debian:{release}",
            arch=r["arch"],
            source_name=r["source"],
            source_version=r["source_version"],
            layer=f"layer{r['layer']}",
        )
        for r in _rows(path)
    ]


def apk_packages(path: Path, branch: str) -> list[Package]:
    return [
        Package(
            type=PackageType.APK,
            name=r["package"],
            version=r["version"],
            found_in="lib/apk/db/installed",
            ecosystem=f"Alpine:{branch}",
            arch=r["arch"],
            source_name=r["origin"],
        )
        for r in _rows(path)
    ]


def pypi_packages(path: Path) -> list[Package]:
    return [
        Package(
            type=PackageType.PYTHON,
            name=r["name"],
            version=r["version"],
            found_in=r["dist_info"],
            ecosystem="PyPI",
            layer=f"layer{r['added_in_layer']}",
        )
        for r in _rows(path)
    ]


def npm_packages(path: Path) -> list[Package]:
    return [
        Package(
            type=PackageType.NPM,
            name=r["name"],
            version=r["version"],
            found_in=r["path"],
            ecosystem="npm",
            layer=f"layer{r['added_in_layer']}",
        )
        for r in _rows(path)
    ]


@pytest.fixture(scope="session")
def image_packages(images_dir: Path) -> dict[str, list[Package]]:
    """Every package of the shared images, by list."""
    return {
        "debian": dpkg_packages(images_dir / "debian-python-app.dpkg.tsv"),
        "alpine-3.14": apk_packages(images_dir / "alpine-3.14.10.apk.tsv", "v3.14"),
        "alpine-3.18": apk_packages(images_dir / "alpine-3.18.9.apk.tsv", "v3.18"),
        "pypi": pypi_packages(images_dir / "debian-python-app.pypi.tsv"),
        "npm": npm_packages(images_dir / "debian-python-app.npm.tsv"),
    }


@pytest.fixture(scope="session")
def vulndb(vulndb_path: Path) -> Iterator[VulnDB]:
    with VulnDB(vulndb_path) as db:
        yield db


@pytest.fixture(scope="session")
def matcher(vulndb: VulnDB) -> Matcher:
    return Matcher(vulndb)
