"""apk installed database against Trivy, Syft and osv-scalibr expectations."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from hullscan.inventory.apk import ApkAnalyzer, parse_installed
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, Package

from .analyze import analyze_tree, packages_of

ANALYZER = ApkAnalyzer()
FIXTURES = [
    "scalibr-alpine318",
    "syft-base",
    "syft-empty-deps-and-provides",
    "syft-single",
    "trivy",
]


@pytest.fixture(scope="module")
def apkdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "apk"


def test_every_fixture_is_covered(apkdir: Path) -> None:
    found = sorted(p.name.removesuffix(".expected.json") for p in apkdir.glob("*.expected.json"))
    assert found == FIXTURES


def _ours(pkg: Package, keys: set[str]) -> dict[str, Any]:
    """Our fields under the peer's names, only those the peer asserts."""
    view: dict[str, Any] = {
        "name": pkg.name,
        "version": pkg.version,
        "arch": pkg.arch,
        "src_name": pkg.source_name,
        "src_version": pkg.source_version,
        "licenses": list(pkg.licenses),
        "git_commit": pkg.extra_value("git_commit"),
        "checksum": pkg.extra_value("checksum"),
    }
    return {k: v for k, v in view.items() if k in keys}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture(apkdir: Path, fixture: str) -> None:
    expected = json.loads((apkdir / f"{fixture}.expected.json").read_text())
    packages = packages_of(analyze_tree(apkdir / fixture, [ANALYZER]))
    keys = {k for p in expected for k in p}
    assert [_ours(p, keys) for p in packages] == expected
    assert all(p.found_in == "lib/apk/db/installed" for p in packages)


def test_trivy_entry_without_version_warns(apkdir: Path) -> None:
    results = analyze_tree(apkdir / "trivy", [ANALYZER])
    assert results[("apk", "lib/apk/db/installed")].warnings == (
        "lib/apk/db/installed: skipped package(s) without a version (V:): "
        "invalidPackageWithoutAVersion",
    )


def test_owned_files(apkdir: Path) -> None:
    result = analyze_tree(apkdir / "syft-base", [ANALYZER])[("apk", "lib/apk/db/installed")]
    ((name, paths),) = result.owned_files
    assert name == "alpine-baselayout"
    assert paths[:3] == ("etc/fstab", "etc/group", "etc/hostname")
    assert "sbin/mkmntdirs" in paths and "var/spool/cron/crontabs" in paths
    assert len(paths) == 27


def test_license_expression_kept_whole(apkdir: Path) -> None:
    packages = packages_of(analyze_tree(apkdir / "trivy", [ANALYZER]))
    licenses = {p.name: p.licenses for p in packages}
    assert ("( Apache-2.0 OR MIT ) AND MPL-2.0",) in licenses.values()


@pytest.mark.parametrize(
    "data", [b"", b"\x00\xff" * 300, b"no colons here\n\nnor here\n", b"P:\nV:1\n\nX:1\n"]
)
def test_garbage_never_raises(data: bytes) -> None:
    result = ANALYZER.analyze("lib/apk/db/installed", io.BytesIO(data), AnalyzerOptions())
    assert not result.packages
    if data.strip():
        assert result.warnings[0].startswith("lib/apk/db/installed: ")


def test_root_level_file_and_crlf() -> None:
    text = "P:a\r\nV:1-r0\r\nR:toplevel\r\nF:usr/bin\r\nR:a\r\n\r\n"
    packages, owned, warnings = parse_installed(text, "x")
    assert [(p.name, p.version, p.source_name) for p in packages] == [("a", "1-r0", "a")]
    assert owned == [("a", ("toplevel", "usr/bin/a"))] and not warnings


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("lib/apk/db/installed", True),
        ("usr/lib/apk/db/installed", True),
        ("lib/apk/db/installed.bak", False),
        ("var/lib/apk/db/installed", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert ANALYZER.wants(path, FileMeta(path, 1, 0o644)) is wanted
