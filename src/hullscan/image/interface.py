"""What an image source provides to the layer walk.

A source resolves one image (picking by name or platform where a file holds several) to an
`ImageMeta`: its manifest and config digests, the config itself, and its layers in order. The
walk then asks the source for each layer blob as a stream, only for layers missing from the
layer cache, so a source must never read a blob before `open_blob` is called.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from hullscan.errors import ImageError, UsageError


class MediaType(enum.StrEnum):
    """Manifest, index and layer media types hullscan reads."""

    OCI_INDEX = "application/vnd.oci.image.index.v1+json"
    OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
    OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
    OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
    OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
    OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
    OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    OCI_LAYER_ND_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
    DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
    DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
    DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    DOCKER_LAYER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"


INDEX_TYPES = frozenset({MediaType.OCI_INDEX.value, MediaType.DOCKER_LIST.value})
MANIFEST_TYPES = frozenset({MediaType.OCI_MANIFEST.value, MediaType.DOCKER_MANIFEST.value})


class Compression(enum.StrEnum):
    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"


_LAYER_COMPRESSION = {
    MediaType.OCI_LAYER.value: Compression.NONE,
    MediaType.OCI_LAYER_ND.value: Compression.NONE,
    MediaType.DOCKER_LAYER_TAR.value: Compression.NONE,
    MediaType.OCI_LAYER_GZIP.value: Compression.GZIP,
    MediaType.OCI_LAYER_ND_GZIP.value: Compression.GZIP,
    MediaType.DOCKER_LAYER_GZIP.value: Compression.GZIP,
    MediaType.DOCKER_LAYER_FOREIGN.value: Compression.GZIP,
    MediaType.OCI_LAYER_ZSTD.value: Compression.ZSTD,
    MediaType.OCI_LAYER_ND_ZSTD.value: Compression.ZSTD,
}


def layer_compression(media_type: str, where: str) -> Compression:
    """The compression a layer media type declares; an unknown type is an input error."""
    try:
        return _LAYER_COMPRESSION[media_type]
    except KeyError:
        raise ImageError(f"{where}: unknown layer media type {media_type!r}") from None


@dataclass(frozen=True)
class Platform:
    """An ``os/arch[/variant]`` triple as OCI indexes and ``--platform`` spell it."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise UsageError(f"--platform {text!r}: expected OS/ARCH[/VARIANT], e.g. linux/arm64")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else "")

    def matches(self, other: Platform) -> bool:
        """Whether an index entry for ``other`` satisfies a request for ``self``.

        A request without a variant takes any variant; arm64 without a variant means v8, the
        way Docker normalises it.
        """
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        if not self.variant:
            return True
        want, have = self.variant, other.variant
        if self.architecture == "arm64":
            want, have = want or "v8", have or "v8"
        return want == have

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


DEFAULT_PLATFORM = Platform("linux", "amd64")


@dataclass(frozen=True)
class LayerRef:
    """One layer of an image: how to fetch it (``digest``) and what it is (``diff_id``)."""

    index: int
    digest: str
    diff_id: str
    media_type: str
    size: int
    created_by: str = ""
    compression: Compression = Compression.GZIP


@dataclass(frozen=True)
class ImageMeta:
    """A resolved image: what the reports say about it and the layers the walk reads."""

    source: str
    name: str
    manifest_digest: str
    config_digest: str
    platform: Platform
    layers: tuple[LayerRef, ...]
    config: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict, for the layer cache's record of what a file resolved to."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageMeta:
        layers = tuple(
            LayerRef(**{**layer, "compression": Compression(layer["compression"])})
            for layer in data["layers"]
        )
        return cls(
            source=data["source"],
            name=data["name"],
            manifest_digest=data["manifest_digest"],
            config_digest=data["config_digest"],
            platform=Platform(**data["platform"]),
            layers=layers,
            config=data["config"],
            repo_tags=tuple(data["repo_tags"]),
            repo_digests=tuple(data["repo_digests"]),
            created=data["created"],
        )


class ImageSource(ABC):
    """A readable image: a file, a directory, a registry or a daemon.

    Sources are context managers so that archive handles and connections are closed however
    the scan ends.
    """

    @abstractmethod
    def resolve(self) -> ImageMeta:
        """Read the index, manifest and config (never a layer blob) and describe the image."""

    @abstractmethod
    def open_blob(self, layer: LayerRef) -> IO[bytes]:
        """A stream of the layer blob as stored (compressed), to be read once, in order."""

    def close(self) -> None:  # noqa: B027 - sources without handles need no cleanup
        """Release file handles or connections."""

    def __enter__(self) -> ImageSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
