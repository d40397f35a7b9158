"""The inventory stage end to end: a target in, an `Inventory` of its final filesystem out.

A target is resolved to a source, each layer's analysis is taken from the layer cache or made
by walking the layer once, and the per-layer results are merged. Nothing here knows about
vulnerabilities; matching and policy take the inventory from here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hullscan.image.archive import open_local_image
from hullscan.image.cache import LayerCache, analysis_token, default_cache_dir
from hullscan.image.interface import ImageMeta, ImageSource, Platform
from hullscan.image.rootfs import walk_rootfs
from hullscan.image.stream import is_gzip_file, scan_gzip_archive
from hullscan.image.walk import LayerResult, walk_blob
from hullscan.inventory import analyzers_of
from hullscan.inventory.interface import Analyzer, AnalyzerKind, AnalyzerOptions
from hullscan.inventory.merge import Inventory, merge_layers

if TYPE_CHECKING:
    from rich.progress import Progress

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
    analyzers = analyzers_of(options.kinds)
    token = analysis_token(analyzers, options.analyzer_options)
    cache = _open_cache(options)
    path = Path(target)
    try:
        if path.is_file() and is_gzip_file(path):
            meta, layers, read = scan_gzip_archive(
                path,
                options.image,
                options.platform,
                analyzers,
                options.analyzer_options,
                cache,
                token,
            )
            return InventoryResult(
                meta, merge_layers(layers), layers_read=read, layers_cached=len(layers) - read
            )
        if path.exists():
            source = open_local_image(path, options.image, options.platform)
        elif options.open_remote is not None:
            source = options.open_remote(target, cache)
        else:
            source = open_local_image(path)
        with source:
            return _inventory_source(source, analyzers, token, cache, options)
    finally:
        if cache is not None:
            cache.close()


def _inventory_source(
    source: ImageSource,
    analyzers: tuple[Analyzer, ...],
    token: str,
    cache: LayerCache | None,
    options: InventoryOptions,
) -> InventoryResult:
    meta = source.resolve()
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
    inventory = merge_layers(results)
    return InventoryResult(meta, inventory, layers_read=read, layers_cached=len(results) - read)


def inventory_rootfs(root: Path, options: InventoryOptions) -> InventoryResult:
    """The inventory of an unpacked filesystem (never cached: a directory has no digest)."""
    layer = walk_rootfs(root, analyzers_of(options.kinds), options.analyzer_options)
    return InventoryResult(None, merge_layers([layer]), layers_read=1)
