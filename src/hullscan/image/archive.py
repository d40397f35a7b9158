"""Local image files: OCI image layouts (directory or tar) and `docker save` archives.

Both are read through a `BlobStore`, a small view of "named files inside the image file":
a directory, or an uncompressed tar opened for random access (member headers are indexed once;
bodies are streamed only when asked for). Manifests and configs are small and read whole, and
their digests are checked; layer blobs are handed to the walk as streams.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import tarfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

from hullscan.errors import DigestMismatchError, ImageError, UsageError
from hullscan.image.interface import (
    DEFAULT_PLATFORM,
    INDEX_TYPES,
    MANIFEST_TYPES,
    ImageMeta,
    ImageSource,
    LayerRef,
    MediaType,
    Platform,
    layer_compression,
)
from hullscan.image.tarstream import normalize_member

log = logging.getLogger(__name__)

REF_NAME = "org.opencontainers.image.ref.name"
_CONTAINERD_NAME = "io.containerd.image.name"
_MAX_JSON = 16 * 1024 * 1024


class BlobStore(ABC):
    """Named files inside an image file or directory."""

    def __init__(self, where: str) -> None:
        self.where = where

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def open(self, name: str) -> IO[bytes]: ...

    @abstractmethod
    def size(self, name: str) -> int: ...

    def read_json(self, name: str, digest: str = "") -> Any:
        """A small JSON member, checked against ``digest`` when one is given."""
        if not self.exists(name):
            raise ImageError(f"{self.where}: missing {name}")
        if self.size(name) > _MAX_JSON:
            raise ImageError(f"{self.where}: {name} is too large for a manifest or config")
        with self.open(name) as fh:
            data = fh.read()
        if digest:
            check_digest(data, digest, f"{self.where}: {name}")
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            raise ImageError(f"{self.where}: {name} is not valid JSON ({err})") from err

    def blob_name(self, digest: str) -> str:
        algo, _, hexdigest = digest.partition(":")
        if not hexdigest or "/" in hexdigest or algo not in ("sha256", "sha512"):
            raise ImageError(f"{self.where}: invalid digest {digest!r}")
        return f"blobs/{algo}/{hexdigest}"

    def close(self) -> None:  # noqa: B027 - a directory holds no handle
        """Release the underlying file."""


class DirStore(BlobStore):
    """An OCI layout directory; names never leave it (symlinks are not followed out)."""

    def __init__(self, root: Path) -> None:
        super().__init__(str(root))
        self._root = root.resolve()

    def _path(self, name: str) -> Path:
        clean = normalize_member(name)
        if clean is None:
            raise ImageError(f"{self.where}: {name!r} points outside the layout")
        path = (self._root / clean).resolve()
        if not path.is_relative_to(self._root):
            raise ImageError(f"{self.where}: {name!r} resolves outside the layout")
        return path

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        try:
            return self._path(name).open("rb")
        except OSError as err:
            raise ImageError(f"{self.where}: cannot read {name} ({err.strerror})") from err


class TarStore(BlobStore):
    """An uncompressed tar read by member, with symlinks and hardlinks resolved inside it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        try:
            self._tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed in close()
            members = self._tar.getmembers()
        except (tarfile.TarError, EOFError) as err:
            raise ImageError(f"{path}: not a readable tar archive ({err})") from err
        except OSError as err:
            raise ImageError(f"{path}: cannot read ({err.strerror or err})") from err
        self._members: dict[str, tarfile.TarInfo] = {}
        for member in members:
            name = normalize_member(member.name)
            if name is not None:
                self._members[name] = member

    def _resolve(self, name: str) -> tarfile.TarInfo:
        current = normalize_member(name)
        for _ in range(16):
            if current is None or current not in self._members:
                break
            member = self._members[current]
            if member.issym():
                current = normalize_member(
                    posixpath.join(posixpath.dirname(current), member.linkname)
                )
            elif member.islnk():
                current = normalize_member(member.linkname)
            else:
                return member
        raise ImageError(f"{self.where}: missing {name}")

    def exists(self, name: str) -> bool:
        try:
            return self._resolve(name).isreg()
        except ImageError:
            return False

    def size(self, name: str) -> int:
        return self._resolve(name).size

    def open(self, name: str) -> IO[bytes]:
        member = self._resolve(name)
        fh = self._tar.extractfile(member)
        if fh is None:
            raise ImageError(f"{self.where}: {name} is not a regular file")
        return fh

    def names(self) -> list[str]:
        return list(self._members)

    def close(self) -> None:
        self._tar.close()


def check_digest(data: bytes, digest: str, what: str) -> None:
    algo, _, expected = digest.partition(":")
    try:
        actual = hashlib.new(algo, data).hexdigest()
    except ValueError:
        raise ImageError(f"{what}: unsupported digest algorithm {algo!r}") from None
    if actual != expected:
        raise DigestMismatchError(
            f"{what}: content does not match its digest (expected {digest}, got {algo}:{actual})"
        )


def image_from_config(
    where: str,
    name: str,
    config: dict[str, Any],
    config_digest: str,
    manifest_digest: str,
    layers: list[tuple[str, str, int]],
    repo_tags: tuple[str, ...] = (),
) -> ImageMeta:
    """Join a manifest's layer list with the config's diff_ids and history into an ImageMeta.

    ``layers`` are (digest, media type, size) in manifest order.
    """
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layers):
        raise ImageError(
            f"{where}: config {config_digest} lists {len(diff_ids or [])} diff_ids "
            f"for {len(layers)} layers"
        )
    history = [h for h in config.get("history", []) if not h.get("empty_layer")]
    refs = []
    for index, ((digest, media_type, size), diff_id) in enumerate(
        zip(layers, diff_ids, strict=True)
    ):
        created_by = history[index].get("created_by", "") if index < len(history) else ""
        refs.append(
            LayerRef(
                index=index,
                digest=digest,
                diff_id=str(diff_id),
                media_type=media_type,
                size=size,
                created_by=created_by,
                compression=layer_compression(media_type, where),
            )
        )
    platform = Platform(
        str(config.get("os", "")), str(config.get("architecture", "")), config.get("variant", "")
    )
    return ImageMeta(
        source=where,
        name=name,
        manifest_digest=manifest_digest,
        config_digest=config_digest,
        platform=platform,
        layers=tuple(refs),
        config=config,
        repo_tags=repo_tags,
        created=str(config.get("created", "")),
    )


class OCILayoutSource(ImageSource):
    """An OCI image layout: picks an image by ref name and platform, nested indexes included."""

    def __init__(
        self, store: BlobStore, image: str | None = None, platform: Platform | None = None
    ) -> None:
        self._store = store
        self._image = image
        self._platform = platform

    def resolve(self) -> ImageMeta:
        index = self._store.read_json("index.json")
        descriptor = self._pick_named(index)
        name = descriptor.get("annotations", {}).get(REF_NAME, "") or self._image or ""
        manifest_desc = self._pick_platform(descriptor, depth=0)
        return self._load_manifest(manifest_desc, name)

    def _pick_named(self, index: dict[str, Any]) -> dict[str, Any]:
        manifests = index.get("manifests") if isinstance(index, dict) else None
        if not isinstance(manifests, list) or not manifests:
            raise ImageError(f"{self._store.where}: index.json lists no images")
        if self._image is None:
            names = {_ref_name(d) for d in manifests}
            if len(manifests) > 1 and len(names) > 1:
                listed = ", ".join(sorted(n for n in names if n)) or "unnamed entries"
                raise UsageError(
                    f"{self._store.where}: holds several images ({listed}); pick one with --image"
                )
            return dict(manifests[0])
        for desc in manifests:
            ref = _ref_name(desc)
            if self._image in (ref, ref.rsplit(":", 1)[-1]):
                return dict(desc)
        known = ", ".join(sorted(_ref_name(d) for d in manifests if _ref_name(d)))
        raise UsageError(f"{self._store.where}: no image named {self._image!r} (has: {known})")

    def _pick_platform(self, desc: dict[str, Any], depth: int) -> dict[str, Any]:
        media_type = desc.get("mediaType", "")
        if media_type in MANIFEST_TYPES:
            return desc
        if media_type not in INDEX_TYPES:
            raise ImageError(f"{self._store.where}: unknown manifest media type {media_type!r}")
        if depth > 4:
            raise ImageError(f"{self._store.where}: image indexes nested too deep")
        digest = str(desc.get("digest", ""))
        index = self._store.read_json(self._store.blob_name(digest), digest)
        entries = [
            dict(d, mediaType=d.get("mediaType") or MediaType.OCI_MANIFEST.value)
            for d in index.get("manifests", [])
        ]
        return self._pick_platform(select_platform(entries, self._platform, digest), depth + 1)

    def _load_manifest(self, desc: dict[str, Any], name: str) -> ImageMeta:
        digest = str(desc.get("digest", ""))
        manifest = self._store.read_json(self._store.blob_name(digest), digest)
        media_type = manifest.get("mediaType") or desc.get("mediaType", "")
        if media_type not in MANIFEST_TYPES:
            raise ImageError(f"{self._store.where}: unknown manifest media type {media_type!r}")
        config_desc = manifest.get("config", {})
        config_digest = str(config_desc.get("digest", ""))
        config = self._store.read_json(self._store.blob_name(config_digest), config_digest)
        layers = [
            (str(d.get("digest", "")), str(d.get("mediaType", "")), int(d.get("size", 0)))
            for d in manifest.get("layers", [])
        ]
        for layer_digest, _, _ in layers:
            if not self._store.exists(self._store.blob_name(layer_digest)):
                raise ImageError(f"{self._store.where}: missing layer blob {layer_digest}")
        return image_from_config(self._store.where, name, config, config_digest, digest, layers)

    def open_blob(self, layer: LayerRef) -> IO[bytes]:
        return self._store.open(self._store.blob_name(layer.digest))

    def close(self) -> None:
        self._store.close()


def _ref_name(desc: dict[str, Any]) -> str:
    annotations = desc.get("annotations") or {}
    return str(annotations.get(REF_NAME) or annotations.get(_CONTAINERD_NAME) or "")


def select_platform(
    entries: list[dict[str, Any]], wanted: Platform | None, where: str
) -> dict[str, Any]:
    """Pick an index entry: the requested platform, else linux/amd64, else the only one."""
    described = [
        (Platform(p.get("os", ""), p.get("architecture", ""), p.get("variant", "")), d)
        for d in entries
        if isinstance(p := d.get("platform"), dict)
    ]
    if wanted is not None:
        for platform, desc in described:
            if wanted.matches(platform):
                return desc
        have = ", ".join(str(p) for p, _ in described) or "none"
        raise UsageError(f"{where}: no image for platform {wanted} (has: {have})")
    for platform, desc in described:
        if DEFAULT_PLATFORM.matches(platform):
            return desc
    if len(entries) == 1:
        return entries[0]
    have = ", ".join(str(p) for p, _ in described) or "none"
    raise UsageError(f"{where}: several platforms ({have}); pick one with --platform")


class DockerArchiveSource(ImageSource):
    """A `docker save` archive: ``manifest.json`` naming a config and layer tars."""

    def __init__(self, store: BlobStore, image: str | None = None) -> None:
        self._store = store
        self._image = image
        self._layer_paths: dict[int, str] = {}

    def resolve(self) -> ImageMeta:
        entries = self._store.read_json("manifest.json")
        if not isinstance(entries, list) or not entries:
            raise ImageError(f"{self._store.where}: manifest.json lists no images")
        entry = pick_archive_entry(entries, self._image, self._store.where)
        config_path = str(entry.get("Config", ""))
        config_digest = archive_config_digest(self._store, config_path)
        config = self._store.read_json(config_path, config_digest)
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        layers = []
        for index, layer_path in enumerate(entry.get("Layers", [])):
            if not self._store.exists(layer_path):
                raise ImageError(f"{self._store.where}: missing layer {layer_path}")
            self._layer_paths[index] = layer_path
            digest = archive_layer_digest(layer_path, diff_ids, index)
            media = entry.get("LayerSources", {}).get(digest, {}).get("mediaType")
            layers.append(
                (digest, media or MediaType.DOCKER_LAYER_TAR.value, self._store.size(layer_path))
            )
        tags = tuple(str(t) for t in entry.get("RepoTags") or ())
        return image_from_config(
            self._store.where, tags[0] if tags else "", config, config_digest, "", layers, tags
        )

    def layer_path(self, layer: LayerRef) -> str:
        """Where the archive keeps a layer (resolve() must have run)."""
        return self._layer_paths[layer.index]

    def open_blob(self, layer: LayerRef) -> IO[bytes]:
        return self._store.open(self.layer_path(layer))

    def close(self) -> None:
        self._store.close()


def pick_archive_entry(
    entries: list[dict[str, Any]], image: str | None, where: str
) -> dict[str, Any]:
    """The manifest.json entry for ``image`` (a RepoTag, with or without registry prefix)."""
    if image is None:
        if len(entries) > 1:
            tags = ", ".join(t for e in entries for t in e.get("RepoTags") or ())
            raise UsageError(f"{where}: holds several images ({tags}); pick one with --image")
        return entries[0]
    for entry in entries:
        for tag in entry.get("RepoTags") or ():
            if image in (tag, tag.removeprefix("docker.io/"), tag.split("/")[-1]):
                return entry
    raise UsageError(f"{where}: no image tagged {image!r}")


def archive_config_digest(store: BlobStore, config_path: str) -> str:
    """The config's digest: its name in Docker's layouts, else the hash of its bytes."""
    base = posixpath.basename(config_path).removesuffix(".json")
    if len(base) == 64 and all(c in "0123456789abcdef" for c in base):
        return f"sha256:{base}"
    with store.open(config_path) as fh:
        return "sha256:" + hashlib.sha256(fh.read()).hexdigest()


def archive_layer_digest(layer_path: str, diff_ids: list[str], index: int) -> str:
    """A layer's blob digest in a docker archive.

    Docker 25+ stores layers as ``blobs/sha256/<digest>`` (possibly compressed); older shapes
    store the uncompressed tar, whose digest is its diff_id.
    """
    parts = layer_path.split("/")
    if len(parts) == 3 and parts[0] == "blobs":
        return f"{parts[1]}:{parts[2]}"
    if index < len(diff_ids):
        return str(diff_ids[index])
    return ""


def open_local_image(
    path: Path, image: str | None = None, platform: Platform | None = None
) -> ImageSource:
    """The right source for a local image file or OCI layout directory."""
    if path.is_dir():
        if not (path / "index.json").is_file():
            raise ImageError(f"{path}: directory is not an OCI image layout (no index.json)")
        return OCILayoutSource(DirStore(path), image, platform)
    if not path.exists():
        raise ImageError(f"{path}: no such file or directory")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{path}: permission denied")
    store = TarStore(path)
    names = set(store.names())
    if "index.json" in names and "oci-layout" in names:
        return OCILayoutSource(store, image, platform)
    if "manifest.json" in names:
        return DockerArchiveSource(store, image)
    store.close()
    raise ImageError(f"{path}: not an image archive (no index.json or manifest.json)")
