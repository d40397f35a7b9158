"""Gzip-wrapped image archives (`docker save | gzip`), read in one pass.

Such a file cannot be read at random: its manifest comes last, after the layers, and reaching
it means inflating everything before it. Rather than inflate twice (once to find the manifest,
once to read the layers), every layer-like member is walked as it streams past, with its
digests computed on the way; once the manifest arrives the walked results are matched to the
image's layers and their digests checked. Layers whose results the cache already holds (known
from the last scan of the same file) are skipped unread, and when the file itself is unchanged
since that scan, nothing is read at all.
"""

from __future__ import annotations

import gzip
import io
import logging
import tarfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from hullscan.errors import DigestMismatchError, ImageError
from hullscan.image.archive import (
    BlobStore,
    DockerArchiveSource,
    OCILayoutSource,
)
from hullscan.image.cache import LayerCache, image_of
from hullscan.image.interface import (
    Compression,
    ImageMeta,
    LayerRef,
    Platform,
)
from hullscan.image.tarstream import normalize_member
from hullscan.image.walk import (
    LayerResult,
    StreamDigests,
    open_decompressed,
    walk_stream,
)
from hullscan.inventory.interface import Analyzer, AnalyzerOptions

log = logging.getLogger(__name__)

_MAX_JSON = 16 * 1024 * 1024
_TAR_MAGIC_OFFSET = 257


class _MemoryStore(BlobStore):
    """The small members of a streamed archive, plus the names and sizes of the big ones."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.small: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}
        self.links: dict[str, str] = {}

    def _resolve(self, name: str) -> str:
        current = normalize_member(name) or ""
        for _ in range(16):
            if current not in self.links:
                return current
            target = self.links[current]
            current = normalize_member(target) or ""
        return current

    def exists(self, name: str) -> bool:
        return self._resolve(name) in self.sizes

    def size(self, name: str) -> int:
        return self.sizes[self._resolve(name)]

    def open(self, name: str) -> IO[bytes]:
        resolved = self._resolve(name)
        if resolved not in self.small:
            raise ImageError(f"{self.where}: {name} was not kept in memory")
        return io.BytesIO(self.small[resolved])

    def member_for(self, name: str) -> str:
        return self._resolve(name)


def is_gzip_file(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _layer_member(source: DockerArchiveSource | OCILayoutSource, layer: LayerRef) -> str:
    if isinstance(source, DockerArchiveSource):
        return source.layer_path(layer)
    return f"blobs/{layer.digest.replace(':', '/')}"


def _is_layer_like(head: bytes) -> bool:
    if head.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd")):
        return True
    return head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar"


def scan_gzip_archive(
    path: Path,
    image: str | None,
    platform: Platform | None,
    analyzers: Iterable[Analyzer],
    options: AnalyzerOptions,
    cache: LayerCache | None,
    token: str,
    key: str | None,
    known: dict[str, Any] | None,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[ImageMeta, list[LayerResult], int]:
    """Resolve and walk a gzip-wrapped image archive in a single pass.

    ``key`` is where the cache keeps what this file resolved to (`local_file_key`) and
    ``known`` that record from the last scan, if any. Returns the image, its layers' results
    in order, and how many layers were read (not taken from the cache).
    """
    analyzers = tuple(analyzers)
    meta = image_of(known, key or "")
    skip: set[str] = set()
    if known is not None and meta is not None and cache is not None:
        cached = [cache.get(layer.diff_id, token) for layer in meta.layers]
        if all(r is not None for r in cached):
            log.debug("%s: unchanged since the last scan; no layer read", path)
            return meta, [r for r in cached if r is not None], 0
        # Skip only the members cached for these analyzers: another --pkg-types or hullscan
        # version left results under another token.
        members = known.get("cached_members", [])
        skip = {m for m, r in zip(members, cached, strict=False) if r is not None}

    store = _MemoryStore(str(path))
    walked: dict[str, tuple[LayerResult, StreamDigests]] = {}
    _stream_members(path, store, walked, skip, analyzers, options, on_bytes)

    source: DockerArchiveSource | OCILayoutSource
    if store.exists("manifest.json"):
        source = DockerArchiveSource(store, image)
    elif store.exists("index.json"):
        source = OCILayoutSource(store, image, platform)
    else:
        raise ImageError(f"{path}: not an image archive (no manifest.json or index.json)")
    meta = source.resolve()

    results = []
    for layer in meta.layers:
        member = store.member_for(_layer_member(source, layer))
        found = walked.get(member)
        if found is None:
            cached_result = cache.get(layer.diff_id, token) if cache else None
            if cached_result is None:
                raise ImageError(f"{path}: missing layer {layer.digest or layer.diff_id}")
            results.append(cached_result)
            continue
        result, digests = found
        _check(path, layer, digests)
        result = replace(result, diff_id=layer.diff_id)
        if cache:
            cache.put(result, token)
        results.append(result)
    if cache and key:
        members = [store.member_for(_layer_member(source, layer)) for layer in meta.layers]
        cache.put_source(key, {**meta.to_dict(), "cached_members": members})
    return meta, results, len(walked)


def _check(path: Path, layer: LayerRef, digests: StreamDigests) -> None:
    if layer.diff_id and digests.diff_id != layer.diff_id:
        raise DigestMismatchError(
            f"{path}: layer {layer.index + 1} does not match its diff_id "
            f"(expected {layer.diff_id}, got {digests.diff_id})"
        )
    if layer.digest and layer.digest not in (layer.diff_id, digests.blob):
        raise DigestMismatchError(
            f"{path}: layer {layer.index + 1} does not match its digest "
            f"(expected {layer.digest}, got {digests.blob})"
        )


def _stream_members(
    path: Path,
    store: _MemoryStore,
    walked: dict[str, tuple[LayerResult, StreamDigests]],
    skip: set[str],
    analyzers: tuple[Analyzer, ...],
    options: AnalyzerOptions,
    on_bytes: Callable[[int], None] | None,
) -> None:
    """One pass over the outer tar: keep small members, walk layer-like ones, skip the rest."""
    try:
        with (
            path.open("rb") as raw,
            open_decompressed(raw) as plain,
            tarfile.open(fileobj=plain, mode="r|") as outer,
        ):
            for member in outer:
                name = normalize_member(member.name)
                if name is None:
                    continue
                if member.issym() or member.islnk():
                    base = name.rsplit("/", 1)[0] if member.issym() and "/" in name else ""
                    target = f"{base}/{member.linkname}" if base else member.linkname
                    store.links[name] = target
                    continue
                if not member.isreg():
                    continue
                store.sizes[name] = member.size
                body = outer.extractfile(member)
                if body is None or name in skip:
                    continue
                head = body.peek(512)[:512]  # type: ignore[attr-defined]
                if member.size <= _MAX_JSON and not _is_layer_like(head):
                    store.small[name] = body.read()
                    continue
                layer = LayerRef(
                    index=len(walked),
                    digest="",
                    diff_id="",
                    media_type="",
                    size=member.size,
                    compression=Compression.NONE,
                )
                walked[name] = walk_stream(
                    body, layer, analyzers, options, f"{path}:{name}", on_bytes
                )
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ImageError(f"{path}: truncated or corrupt archive ({err})") from err
    except OSError as err:
        raise ImageError(f"{path}: cannot read archive ({err})") from err
