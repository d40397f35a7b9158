"""`RegistrySource`: an image in a registry, resolved without touching its layers.

``resolve`` fetches the manifest (or index, then the platform's manifest) and the config: a
handful of small requests, which is all a rescan costs when every layer is in the layer cache.
Layers are fetched only through ``open_blob``. For Docker Hub images the ``--registry-mirror``
hosts are tried first; the host that served the manifest serves the blobs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import IO, Any

from hullscan.errors import ImageError, RegistryError, UsageError
from hullscan.image.archive import image_from_config, select_platform
from hullscan.image.cache import LayerCache
from hullscan.image.interface import (
    INDEX_TYPES,
    MANIFEST_TYPES,
    ImageMeta,
    ImageSource,
    LayerRef,
    MediaType,
    Platform,
)
from hullscan.image.registry.client import MAX_CONFIG, Endpoint, RegistryClient
from hullscan.image.registry.manifest import Manifest
from hullscan.image.registry.options import RegistryOptions
from hullscan.image.registry.reference import Reference, parse_reference

log = logging.getLogger(__name__)

_MAX_INDEX_DEPTH = 4


class RegistrySource(ImageSource):
    """One image reference in a registry (or its mirrors)."""

    def __init__(
        self,
        reference: Reference,
        options: RegistryOptions,
        client: RegistryClient | None = None,
        cache: LayerCache | None = None,
    ) -> None:
        self.reference = reference
        self.options = options
        self._client = client or RegistryClient(reference, options)
        self._cache = cache
        self._endpoint: Endpoint | None = None
        self._meta: ImageMeta | None = None

    def resolve(self) -> ImageMeta:
        if self._meta is not None:
            return self._meta
        *mirrors, own = self._client.endpoints
        for ep in mirrors:
            try:
                return self._use(ep, self._resolve_on(ep))
            except (RegistryError, ImageError) as err:
                log.warning("mirror %s: %s; trying the next source", ep.host, err)
        return self._use(own, self._resolve_on(own))

    def _use(self, ep: Endpoint, meta: ImageMeta) -> ImageMeta:
        """Remember where the image was found: its blobs come from the same host."""
        self._endpoint, self._meta = ep, meta
        return meta

    def _resolve_on(self, ep: Endpoint) -> ImageMeta:
        ref = self.reference
        where = str(ref)
        top = self._client.manifest(ep, ref.manifest_ref)
        manifest = top
        depth = 0
        while manifest.media_type in INDEX_TYPES:
            if depth == _MAX_INDEX_DEPTH:
                raise ImageError(f"{where}: image indexes nested too deep")
            manifest = self._pick(ep, manifest, where)
            depth += 1
        if manifest.media_type not in MANIFEST_TYPES:
            raise ImageError(f"{where}: unknown manifest media type {manifest.media_type!r}")
        config_desc = manifest.data.get("config")
        if not isinstance(config_desc, dict) or not config_desc.get("digest"):
            raise ImageError(f"{where}: manifest {manifest.digest} names no config")
        config_digest = str(config_desc["digest"])
        config = self._config(ep, config_digest, where)
        layers = [
            (str(d.get("digest", "")), str(d.get("mediaType", "")), int(d.get("size", 0)))
            for d in manifest.data.get("layers", [])
            if isinstance(d, dict)
        ]
        tags = (f"{ref.repo_name}:{ref.tag}",) if ref.tag else ()
        meta = image_from_config(
            where, where, config, config_digest, manifest.digest, layers, repo_tags=tags
        )
        self._check_platform(meta.platform, where, top is manifest)
        return replace(meta, repo_digests=(ref.with_digest(top.digest),))

    def _pick(self, ep: Endpoint, index: Manifest, where: str) -> Manifest:
        entries = [
            dict(d, mediaType=d.get("mediaType") or MediaType.OCI_MANIFEST.value)
            for d in index.data.get("manifests", [])
            if isinstance(d, dict)
        ]
        if not entries:
            raise ImageError(f"{where}: image index {index.digest} lists no manifests")
        chosen = select_platform(entries, self.options.platform, where)
        picked = self._client.manifest(ep, str(chosen.get("digest", "")))
        declared = chosen["mediaType"]
        if (declared in INDEX_TYPES) != (picked.media_type in INDEX_TYPES):
            raise ImageError(
                f"{where}: index entry {picked.digest} says {declared} but is {picked.media_type}"
            )
        return picked

    def _config(self, ep: Endpoint, digest: str, where: str) -> dict[str, Any]:
        """The image config; kept in the layer cache by its digest, so a rescan whose layers
        are cached asks the registry for the manifest alone."""
        key = f"config:{digest}"
        cached = self._cache.get_source(key) if self._cache else None
        if cached is not None:
            return cached
        config = self._fetch_config(ep, digest, where)
        if self._cache is not None:
            self._cache.put_source(key, config)
        return config

    def _fetch_config(self, ep: Endpoint, digest: str, where: str) -> dict[str, Any]:
        body = self._client.blob_bytes(ep, digest, MAX_CONFIG, f"{where} config {digest}")
        try:
            config = json.loads(body)
        except ValueError as err:
            raise ImageError(f"{where}: config {digest} is not valid JSON ({err})") from err
        if not isinstance(config, dict):
            raise ImageError(f"{where}: config {digest} is not a JSON object")
        return config

    def _check_platform(self, have: Platform, where: str, single: bool) -> None:
        """A single-platform image must be the platform asked for, as ``docker pull`` checks."""
        wanted = self.options.platform
        if single and wanted is not None and not wanted.matches(have):
            raise UsageError(f"{where}: image is {have}, not the requested platform {wanted}")

    def open_blob(self, layer: LayerRef) -> IO[bytes]:
        if self._endpoint is None:
            self.resolve()
        assert self._endpoint is not None
        what = f"{self.reference} layer {layer.index + 1} blob {layer.digest}"
        return self._client.open_blob(self._endpoint, layer.digest, layer.size, what)

    def close(self) -> None:
        self._client.close()


def open_registry_source(
    reference: str, options: RegistryOptions, cache: LayerCache | None = None
) -> RegistrySource:
    """A source for ``reference``; nothing is fetched until ``resolve``."""
    return RegistrySource(parse_reference(reference), options, cache=cache)
