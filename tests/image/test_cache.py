"""The layer cache: a rescan reads no layer bytes, and scans share the cache safely.

Results are keyed by (diff_id, analyzer names and versions, options), so a rescan with other
analyzers (``--pkg-types``) or options reads again what it lacks and nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hullscan.image import stream
from hullscan.inventory.interface import AnalyzerKind
from hullscan.pipeline import InventoryOptions, InventoryResult, inventory_target
from tests.conftest import shared_dir

TARGETS = [
    ("debian-python-app.docker.tar.gz", None, 5),
    ("debian-images.oci.tar", "debian-python-app", 5),
    ("alpine-3.18.9.docker.tar", None, 1),
]


def _scan(target: str, image: str | None, cache: Path, **kw: Any) -> InventoryResult:
    path = str(shared_dir() / "data" / "images" / target)
    return inventory_target(path, InventoryOptions(image=image, cache_dir=cache, **kw))


def _packages(result: InventoryResult) -> list[tuple[str, str, str]]:
    return sorted((p.purl, p.layer, p.changed_layer) for p in result.inventory.packages)


def _no_layer_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a layer was read on a rescan")

    monkeypatch.setattr("hullscan.pipeline.walk_blob", refuse)
    monkeypatch.setattr(stream, "_stream_members", refuse)


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS)
def test_rescan_reads_no_layer(
    target: str, image: str | None, layers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _scan(target, image, tmp_path)
    assert (cold.layers_read, cold.layers_cached) == (layers, 0)

    _no_layer_reads(monkeypatch)
    warm = _scan(target, image, tmp_path)
    assert (warm.layers_read, warm.layers_cached) == (0, layers)
    assert _packages(warm) == _packages(cold)
    assert warm.inventory.os == cold.inventory.os


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS[:2])
def test_other_analyzers_read_again_what_they_lack(
    target: str, image: str | None, layers: int, tmp_path: Path
) -> None:
    os_only = _scan(target, image, tmp_path, kinds=frozenset({AnalyzerKind.OS}))
    full = _scan(target, image, tmp_path)
    uncached = _scan(target, image, tmp_path / "fresh")
    assert full.layers_read == layers
    assert _packages(full) == _packages(uncached)
    assert {p.type for p in os_only.inventory.packages} == {"deb"}
    assert _scan(target, image, tmp_path, kinds=frozenset({AnalyzerKind.OS})).layers_read == 0


def test_two_scans_at_once_share_the_cache(tmp_path: Path) -> None:
    """Both cold, same cache folder, started together: both finish with the same inventory."""
    archive = shared_dir() / "data" / "images" / "debian-python-app.docker.tar.gz"
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "hullscan", "sbom", str(archive), "--cache-dir", str(cache)]
    procs = [
        subprocess.Popen(
            [*command, "-q", "-f", "json", "-o", str(tmp_path / f"{n}.json")],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (0, "")
    first, second = (json.loads((tmp_path / f"{n}.json").read_text()) for n in range(2))
    assert first["packages"] == second["packages"] and len(first["packages"]) == 143
