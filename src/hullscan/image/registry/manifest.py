"""What a manifest response means: which media types to ask for and which one came back.

Registries differ in what they say: the body's ``mediaType`` is optional (umoci omits it), the
``Content-Type`` may be generic, so the type comes from the body, else the header, else the
fields present. Docker schema 1 is refused by name rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hullscan.errors import ImageError
from hullscan.image.interface import INDEX_TYPES, MANIFEST_TYPES, MediaType

ACCEPT_MANIFESTS = ", ".join(
    (
        MediaType.OCI_INDEX.value,
        MediaType.DOCKER_LIST.value,
        MediaType.OCI_MANIFEST.value,
        MediaType.DOCKER_MANIFEST.value,
    )
)
_SCHEMA1 = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    }
)


@dataclass(frozen=True)
class Manifest:
    """A manifest or index as fetched: its bytes' digest, its media type and its JSON."""

    digest: str
    media_type: str
    data: dict[str, Any]


def manifest_media_type(data: dict[str, Any], content_type: str, what: str) -> str:
    """The body's ``mediaType``, else the Content-Type, else what the fields imply."""
    declared = data.get("mediaType")
    if isinstance(declared, str) and declared:
        media_type = declared
    else:
        header = content_type.split(";", 1)[0].strip().lower()
        if header in INDEX_TYPES or header in MANIFEST_TYPES or header in _SCHEMA1:
            media_type = header
        elif isinstance(data.get("manifests"), list):
            media_type = MediaType.OCI_INDEX.value
        else:
            media_type = MediaType.OCI_MANIFEST.value
    if media_type in _SCHEMA1 or data.get("schemaVersion") == 1:
        # LIMITATION: Docker schema 1 manifests (deprecated in 2017) are not read.
        raise ImageError(f"{what}: is a Docker schema 1 manifest; push it again as schema 2/OCI")
    if media_type not in INDEX_TYPES and media_type not in MANIFEST_TYPES:
        raise ImageError(f"{what}: unknown manifest media type {media_type!r}")
    return media_type
