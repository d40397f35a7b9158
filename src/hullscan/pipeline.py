"""The inventory stage end to end: a target in, an `Inventory` of its final filesystem out.

A target is resolved to a source, each layer's analysis is taken from the layer cache or made
by walking the layer once, and the per-layer results are merged. The merged inventory is
cached too, by the image's layers: a rescan of an unchanged image resolves it, reads one row,
and never imports the analyzers, the walk or the merge (they are imported on a miss only).
Nothing here knows about vulnerabilities; matching and policy take the inventory from here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hullscan.image.cache import (
    LayerCache,
    analysis_token,
    default_cache_dir,
    image_of,
    inventory_key,
    local_file_key,
)
from hullscan.image.interface import ImageMeta, ImageSource, Platform
from hullscan.inventory.catalog import AnalyzerEntry, entries_of, load
from hullscan.inventory.interface import AnalyzerKind, AnalyzerOptions, Inventory

if TYPE_CHECKING:
    from rich.progress import Progress

    from hullscan.image.walk import LayerResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InventoryOptions:
    """How to find and read a target; everything that is not about vulnerabilities."""

    image: str | None = None
    platform: Platform | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    progress: bool = False
    analyzer_options: AnalyzerOptions = field(default_factory=AnalyzerOptions)
    # Opens a registry reference; it may keep content-addressed metadata in the layer cache.
    open_remote: Callable[[str, LayerCache | None], ImageSource] | None = None
    kinds: frozenset[AnalyzerKind] = frozenset(AnalyzerKind)


@dataclass(frozen=True)
class InventoryResult:
    """An inventory and the image it came from (None for a plain directory)."""

    image: ImageMeta | None
    inventory: Inventory
    layers_read: int = 0
    layers_cached: int = 0


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress display on stderr, only when stderr is a terminal and it is wanted."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        yield progress


def _open_cache(options: InventoryOptions) -> LayerCache | None:
    if not options.use_cache:
        return None
    return LayerCache(options.cache_dir or default_cache_dir())


def inventory_target(target: str, options: InventoryOptions) -> InventoryResult:
    """The inventory of an image file, OCI layout directory or registry reference."""
    entries = entries_of(options.kinds)
    token = analysis_token(entries, options.analyzer_options)
    cache = _open_cache(options)
    path = Path(target)
    try:
        file_key, record = _file_record(cache, path, options)
        known = image_of(record, file_key) if file_key else None
        if known is not None:
            hit = _cached(cache, known, inventory_key(token, known))
            if hit is not None:
                return hit
        from hullscan.image.stream import is_gzip_file

        if path.is_file() and is_gzip_file(path):
            return _inventory_gzip_archive(path, entries, token, cache, options, file_key, record)
        from hullscan.image.archive import open_local_image

        if path.exists():
            source = open_local_image(path, options.image, options.platform)
        elif options.open_remote is not None:
            source = options.open_remote(target, cache)
        else:
            source = open_local_image(path)
        with source:
            return _inventory_source(source, entries, token, cache, options, file_key)
    finally:
        if cache is not None:
            cache.close()


def _file_record(
    cache: LayerCache | None, path: Path, options: InventoryOptions
) -> tuple[str | None, dict[str, Any] | None]:
    """Where the cache keeps what an image file resolved to, and that record if it has one.

    A file the cache has seen unchanged need not be opened as an archive again (nor the
    archive readers imported). A file that cannot be read has no key; opening it as an image
    then says why.
    """
    if cache is None or not path.is_file():
        return None, None
    try:
        key = local_file_key(path, options.image, options.platform)
    except OSError:
        return None, None
    return key, cache.get_source(key)


def _cached(cache: LayerCache | None, meta: ImageMeta, key: str) -> InventoryResult | None:
    inventory = cache.get_inventory(key) if cache else None
    if inventory is None:
        return None
    log.debug("%s: inventory from cache", meta.source)
    return InventoryResult(meta, inventory, layers_cached=len(meta.layers))


def _merged(cache: LayerCache | None, key: str, layers: Sequence[LayerResult]) -> Inventory:
    from hullscan.inventory.merge import merge_layers

    inventory = merge_layers(layers)
    if cache is not None:
        cache.put_inventory(key, inventory)
    return inventory


def _inventory_gzip_archive(
    path: Path,
    entries: tuple[AnalyzerEntry, ...],
    token: str,
    cache: LayerCache | None,
    options: InventoryOptions,
    file_key: str | None,
    record: dict[str, Any] | None,
) -> InventoryResult:
    from hullscan.image.stream import scan_gzip_archive

    meta, layers, read = scan_gzip_archive(
        path,
        options.image,
        options.platform,
        load(entries),
        options.analyzer_options,
        cache,
        token,
        file_key,
        record,
    )
    inventory = _merged(cache, inventory_key(token, meta), layers)
    return InventoryResult(meta, inventory, layers_read=read, layers_cached=len(layers) - read)


def _inventory_source(
    source: ImageSource,
    entries: tuple[AnalyzerEntry, ...],
    token: str,
    cache: LayerCache | None,
    options: InventoryOptions,
    file_key: str | None = None,
) -> InventoryResult:
    meta = source.resolve()
    if cache is not None and file_key is not None:
        cache.put_source(file_key, meta.to_dict())
    key = inventory_key(token, meta)
    hit = _cached(cache, meta, key)
    if hit is not None:
        return hit
    from hullscan.image.walk import walk_blob

    analyzers = load(entries)
    results: list[LayerResult] = []
    read = 0
    with _progress(options.progress) as progress:
        for layer in meta.layers:
            cached = cache.get(layer.diff_id, token) if cache else None
            if cached is not None:
                log.debug("layer %d %s: from cache", layer.index + 1, layer.diff_id)
                results.append(cached)
                continue
            what = f"{meta.source} layer {layer.index + 1}"
            task = progress.add_task(f"layer {layer.index + 1}", total=None) if progress else None
            on_bytes = (lambda n, t=task: progress.advance(t, n)) if progress else None
            with source.open_blob(layer) as blob:
                result = walk_blob(
                    blob, layer, analyzers, options.analyzer_options, what, on_bytes
                )
            read += 1
            if cache is not None:
                cache.put(result, token)
            results.append(result)
    inventory = _merged(cache, key, results)
    return InventoryResult(meta, inventory, layers_read=read, layers_cached=len(results) - read)


def inventory_rootfs(root: Path, options: InventoryOptions) -> InventoryResult:
    """The inventory of an unpacked filesystem (never cached: a directory has no digest)."""
    from hullscan.image.rootfs import walk_rootfs
    from hullscan.inventory.merge import merge_layers

    layer = walk_rootfs(root, load(entries_of(options.kinds)), options.analyzer_options)
    return InventoryResult(None, merge_layers([layer]), layers_read=1)
