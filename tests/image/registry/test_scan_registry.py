"""`hullscan image REF` on the local registry: the same packages and findings as the archive,
and a rescan that asks the registry for the manifest alone.

Every pushed image, by tag and by digest, anonymous and behind htpasswd, scanned through the
CLI against the database built from the shared advisories; the archive it was pushed from is
scanned the same way. Blob requests are counted in the registry's own access log.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hullscan.cli import main
from tests.conftest import shared_dir
from tests.image.registry.conftest import PUSHES, LocalRegistry

pytestmark = pytest.mark.service

PLATFORMS = {"busybox-multiarch": "linux/arm64/v8"}


def _run(command: str, target: str, name: str, out: Path, *flags: str) -> dict[str, Any]:
    args = [command, target, "-q", "-f", "json", "-o", str(out), *flags]
    if name in PLATFORMS:
        args += ["--platform", PLATFORMS[name]]
    assert main(args) == 0
    return dict(json.loads(out.read_text()))


def _packages(sbom: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((p["purl"], p["layer"], p["found_in"]) for p in sbom["packages"])


def _findings(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    [result] = report["results"]
    return sorted(
        (f["id"], f["package"]["purl"], f["package"]["layer"], ",".join(f["fixed_versions"]))
        for f in result["findings"]
    )


@cache
def _from_archive(name: str, db: str, work: str) -> tuple[list[Any], list[Any]]:
    source, _, _, _ = PUSHES[name]
    archive, _, image = source.partition(":")
    target = str(shared_dir() / "data" / "images" / archive)
    flags = ["--no-cache"] + (["--image", image] if image != "latest" else [])
    report = _run("image", target, name, Path(work) / f"{name}.json", "--db", db, *flags)
    sbom = _run("sbom", target, name, Path(work) / f"{name}.sbom.json", *flags)
    return _packages(sbom), _findings(report)


@pytest.mark.parametrize("by", ["tag", "digest"])
@pytest.mark.parametrize("auth", ["anonymous", "htpasswd"])
@pytest.mark.parametrize("name", list(PUSHES))
def test_registry_scan_equals_the_archive_and_rescans_without_blobs(
    name: str,
    auth: str,
    by: str,
    request: pytest.FixtureRequest,
    vulndb_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry: LocalRegistry = request.getfixturevalue(
        "registry_images" if auth == "anonymous" else "auth_registry"
    )
    if registry.username:
        monkeypatch.setenv("HULLSCAN_USERNAME", registry.username)
        monkeypatch.setenv("HULLSCAN_PASSWORD", registry.password)
    ref = registry.ref(name)
    cache_dir = ["--cache-dir", str(tmp_path / "cache")]
    db = ["--db", str(vulndb_path)]

    mark = registry.log_mark()
    report = _run("image", ref, name, tmp_path / "cold.json", *db, *cache_dir)
    cold_blobs = [a.path for a in registry.accesses(mark) if "/blobs/" in a.path]
    if by == "digest":
        [by_digest] = report["results"][0]["image"]["repo_digests"]
        ref = by_digest
        mark = registry.log_mark()
        report = _run("image", ref, name, tmp_path / "digest.json", *db, *cache_dir)
        assert [a.path for a in registry.accesses(mark) if "/blobs/" in a.path] == []

    packages, findings = _from_archive(name, str(vulndb_path), str(tmp_path_factory.getbasetemp()))
    assert packages and (findings or name == "alpine-3.14.10")  # 3.14.10 has none: e2e tests
    assert _findings(report) == findings
    layers = report["results"][0]["image"]["layers"]
    assert len(cold_blobs) == len(layers) + 1  # every layer and the config, once each

    # The rescan (here as `hullscan sbom`, which reads the same layer cache): no blob at all.
    mark = registry.log_mark()
    sbom = _run("sbom", ref, name, tmp_path / "warm.json", *cache_dir)
    warm = registry.accesses(mark)
    assert [a.path for a in warm if "/blobs/" in a.path] == []
    assert sum("/manifests/" in a.path for a in warm) == (2 if name in PLATFORMS else 1)
    assert _packages(sbom) == packages
