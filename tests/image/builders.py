"""Build small OCI image layouts in a test's temp dir, hostile ones included.

Layers are made from (TarInfo, body) pairs, so a test can write any member a real image could
hold: `../` names, absolute or looping symlinks, hardlinks out of the root, device nodes,
whiteouts.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from pathlib import Path

Member = tuple[tarfile.TarInfo, bytes | None]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def file_member(name: str, body: bytes, mode: int = 0o644) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    info.mode = mode
    return info, body


def link_member(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def layer_tar(members: Iterable[Member]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, body in members:
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    return buf.getvalue()


def _write_blob(root: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}"


def write_oci_layout(
    root: Path,
    layers: list[bytes],
    *,
    gzip_layers: bool = True,
    layer_media_type: str | None = None,
    name: str = "test",
) -> dict[str, str]:
    """An OCI layout at ``root`` with one image of the given uncompressed layer tars."""
    descriptors = []
    diff_ids = []
    for raw in layers:
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blob = gzip.compress(raw, compresslevel=1, mtime=0) if gzip_layers else raw
        media = layer_media_type or (
            OCI_LAYER_GZIP if gzip_layers else "application/vnd.oci.image.layer.v1.tar"
        )
        descriptors.append(
            {"mediaType": media, "digest": _write_blob(root, blob), "size": len(blob)}
        )
    config = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"layer {i}"} for i in range(len(layers))],
    }
    config_bytes = json.dumps(config).encode()
    manifest = {
        "schemaVersion": 2,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": _write_blob(root, config_bytes),
            "size": len(config_bytes),
        },
        "layers": descriptors,
    }
    manifest_bytes = json.dumps(manifest).encode()
    manifest_digest = _write_blob(root, manifest_bytes)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "annotations": {"org.opencontainers.image.ref.name": name},
            }
        ],
    }
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return {"manifest": manifest_digest, "layers": ",".join(d["digest"] for d in descriptors)}
