"""The layer cache: a rescan reads no layer bytes, and scans share the cache safely.

Results are keyed by (diff_id, analyzer names and versions, options), so a rescan with other
analyzers (``--pkg-types``) or options reads again what it lacks and nothing else. Merged
inventories are kept by the image's layers on top of that: an unchanged image is one row.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import zlib
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

    monkeypatch.setattr("hullscan.image.walk.walk_blob", refuse)
    monkeypatch.setattr(stream, "_stream_members", refuse)


def _no_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached inventory was merged again")

    monkeypatch.setattr("hullscan.inventory.merge.merge_layers", refuse)


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS)
def test_rescan_reads_no_layer(
    target: str, image: str | None, layers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _scan(target, image, tmp_path)
    assert (cold.layers_read, cold.layers_cached) == (layers, 0)

    _no_layer_reads(monkeypatch)
    _no_merge(monkeypatch)
    warm = _scan(target, image, tmp_path)
    assert (warm.layers_read, warm.layers_cached) == (0, layers)
    assert warm.inventory == cold.inventory


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS[:2])
def test_without_the_inventory_row_the_cached_layers_are_merged(
    target: str, image: str | None, layers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new merge version (or a lost row) costs a merge of cached layers, not a read."""
    cold = _scan(target, image, tmp_path)
    with sqlite3.connect(tmp_path / "layers.sqlite") as db:
        assert db.execute("DELETE FROM inventories").rowcount == 1
    _no_layer_reads(monkeypatch)
    warm = _scan(target, image, tmp_path)
    assert (warm.layers_read, warm.layers_cached) == (0, layers)
    assert warm.inventory == cold.inventory


def test_corrupt_inventory_row_is_a_miss(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target, image, _ = TARGETS[1]
    cold = _scan(target, image, tmp_path)
    with sqlite3.connect(tmp_path / "layers.sqlite") as db:
        db.execute("UPDATE inventories SET data = x'00ff'")
    warm = _scan(target, image, tmp_path)
    assert warm.inventory == cold.inventory and warm.layers_read == 0
    assert "cached inventory" in caplog.text and "corrupt" in caplog.text


def test_inventory_is_per_analyzer_set(tmp_path: Path) -> None:
    """The OS-only inventory and the full one of the same image are two rows, not one."""
    target, image, _ = TARGETS[1]
    full = _scan(target, image, tmp_path)
    os_only = _scan(target, image, tmp_path, kinds=frozenset({AnalyzerKind.OS}))
    assert {p.type for p in os_only.inventory.packages} == {"deb"}
    assert _scan(target, image, tmp_path).inventory == full.inventory
    again = _scan(target, image, tmp_path, kinds=frozenset({AnalyzerKind.OS}))
    assert again.inventory == os_only.inventory and again.layers_read == 0


_LIGHT_INVENTORY = {"hullscan.inventory.catalog", "hullscan.inventory.interface"}


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS)
def test_warm_rescan_imports_no_analyzer(
    target: str, image: str | None, layers: int, tmp_path: Path
) -> None:
    """What a cached rescan of a file must not import: the archive readers, analyzer modules,
    the layer walk, the merge."""
    path = shared_dir() / "data" / "images" / target
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hullscan.pipeline import InventoryOptions, inventory_target\n"
        f"options = InventoryOptions(image={image!r}, cache_dir=Path({str(tmp_path)!r}))\n"
        f"result = inventory_target({str(path)!r}, options)\n"
        "print(result.layers_read, len(result.inventory.packages))\n"
        "print(' '.join(sys.modules))\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    cold_counts, cold_modules = runs[0].stdout.splitlines()
    warm_counts, warm_modules = runs[1].stdout.splitlines()
    assert cold_counts.split()[0] == str(layers) and warm_counts.split()[0] == "0"
    assert cold_counts.split()[1] == warm_counts.split()[1]
    assert "hullscan.inventory.dpkg" in cold_modules.split()
    heavy = {
        m
        for m in warm_modules.split()
        if m.startswith(("hullscan.image.walk", "hullscan.image.archive", "hullscan.versions"))
        or m in ("tarfile", "hullscan.inventory.merge")
        or (m.startswith("hullscan.inventory.") and m not in _LIGHT_INVENTORY)
    }
    assert sorted(heavy) == []


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


def test_a_file_rewritten_in_place_is_read_again(tmp_path: Path) -> None:
    """The record of what a file resolved to is keyed by the file's identity and last bytes."""
    images = shared_dir() / "data" / "images"
    target = tmp_path / "image.tar"
    shutil.copyfile(images / "busybox-amd64.docker.tar", target)
    first = inventory_target(str(target), InventoryOptions(cache_dir=tmp_path / "cache"))
    shutil.copyfile(images / "alpine-3.18.9.docker.tar", target)
    second = inventory_target(str(target), InventoryOptions(cache_dir=tmp_path / "cache"))
    assert second.layers_read == 1
    assert {p.type for p in first.inventory.packages} != {
        p.type for p in second.inventory.packages
    }
    assert second.inventory.os is not None and second.inventory.os.family == "alpine"


@pytest.mark.parametrize(("target", "image", "layers"), TARGETS)
def test_damaged_image_record_reads_the_file_again(
    target: str,
    image: str | None,
    layers: int,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cold = _scan(target, image, tmp_path)
    with sqlite3.connect(tmp_path / "layers.sqlite") as db:
        db.execute("UPDATE sources SET data = ?", (zlib.compress(b'{"layers": 1}'),))
    warm = _scan(target, image, tmp_path)
    # A gzip-wrapped archive names its layers at the end: without the record it is read again.
    assert warm.layers_read == (layers if target.endswith(".gz") else 0)
    assert warm.inventory == cold.inventory
    assert "cached image record" in caplog.text and "corrupt" in caplog.text
