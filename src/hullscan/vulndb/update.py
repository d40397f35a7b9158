"""``hullscan db update``: replace the database with a prebuilt one, verified, atomically.

The new file comes from an HTTP(S) URL, an OCI registry artifact (``oci://host/repo:tag``) or
a local path, optionally zstd-compressed (detected by its magic number). Its sha256 must match
``--sha256``, or the ``<source>.sha256`` file beside it, or for OCI the layer digest. It is
downloaded and decompressed to temporary files in the database's own folder, opened and
integrity-checked, and only then moved over the old file with `os.replace`: an interrupted or
failed update leaves the old database exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import zstandard

from hullscan.errors import DatabaseError, RegistryError, UsageError
from hullscan.vulndb import sources
from hullscan.vulndb.store import VulnDB

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Layer media types of a hullscan database artifact (plain and zstd-compressed SQLite).
DB_MEDIA_TYPE = "application/vnd.hullscan.db.layer.v1"
DB_MEDIA_TYPE_ZSTD = "application/vnd.hullscan.db.layer.v1+zstd"
_MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
_CHECKSUM = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})\b")
_LOCAL_HOSTS = ("localhost", "127.", "[::1]")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UpdateResult:
    """What an update installed."""

    path: Path
    source: str
    sha256: str
    downloaded_bytes: int
    size_bytes: int
    schema_version: int
    built_at: str
    seconds: float


@dataclass(frozen=True)
class OciReference:
    """``oci://host[:port]/repository[:tag|@digest]`` split up."""

    host: str
    repository: str
    reference: str

    @classmethod
    def parse(cls, text: str) -> OciReference:
        if not text.startswith("oci://") or "/" not in text[6:]:
            raise UsageError(f"{text}: not an OCI reference (oci://host/repository[:tag])")
        host, _, rest = text[6:].partition("/")
        if "@" in rest:
            repository, _, reference = rest.partition("@")
        else:
            repository, _, reference = rest.rpartition(":") if ":" in rest else (rest, "", "")
        if not repository or not host:
            raise UsageError(f"{text}: not an OCI reference (oci://host/repository[:tag])")
        return cls(host, repository, reference or "latest")

    def base_url(self, plain_http: bool | None) -> str:
        local = self.host.startswith(_LOCAL_HOSTS)
        return (
            f"{'http' if (local if plain_http is None else plain_http) else 'https'}://{self.host}"
        )


def _parse_checksum(text: str, where: str) -> str:
    match = _CHECKSUM.search(text)
    if not match:
        raise DatabaseError(f"{where}: no sha256 checksum in it")
    return match.group(1).lower()


def _copy_hashed(chunks: Iterator[bytes], out: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _stream_to(
    client: httpx.Client, url: str, out: IO[bytes], headers: dict[str, str]
) -> tuple[str, int]:
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise DatabaseError(f"{url}: HTTP {response.status_code}")
            return _copy_hashed(response.iter_bytes(_CHUNK), out)
    except httpx.HTTPError as exc:
        raise DatabaseError(f"{url}: download failed ({exc})") from exc


def _from_url(
    client: httpx.Client, url: str, out: IO[bytes], sha256: str | None
) -> tuple[str, str, int]:
    """(expected, actual sha256, bytes) of a database file fetched from ``url``."""
    actual, size = _stream_to(client, url, out, {})
    if sha256 is None:
        try:
            response = client.get(f"{url}.sha256")
        except httpx.HTTPError as exc:
            raise DatabaseError(f"{url}.sha256: download failed ({exc})") from exc
        if response.status_code != 200:
            raise DatabaseError(
                f"{url}.sha256: HTTP {response.status_code}; pass --sha256 to verify the download"
            )
        sha256 = _parse_checksum(response.text, f"{url}.sha256")
    return sha256, actual, size


def _from_file(path: Path, out: IO[bytes], sha256: str | None) -> tuple[str, str, int]:
    if not path.is_file():
        raise DatabaseError(f"{path}: no such file")
    with path.open("rb") as src:
        actual, size = _copy_hashed(iter(lambda: src.read(_CHUNK), b""), out)
    if sha256 is None:
        checksum = path.with_name(path.name + ".sha256")
        if not checksum.is_file():
            raise DatabaseError(f"{checksum}: missing; pass --sha256 to verify the file")
        sha256 = _parse_checksum(checksum.read_text(errors="replace"), str(checksum))
    return sha256, actual, size


def _registry_get(
    client: httpx.Client, url: str, auth: tuple[str, str] | None, headers: dict[str, str]
) -> httpx.Response:
    """GET with the registry's auth dance: anonymous first, Basic when challenged."""
    try:
        response = client.get(url, headers=headers)
        if response.status_code == 401:
            challenge = response.headers.get("www-authenticate", "")
            if not challenge.lower().startswith("basic"):
                # LIMITATION: bearer-token registries need the image registry client.
                raise RegistryError(f"{url}: registry wants {challenge.split(' ')[0]} auth")
            if auth is None:
                raise RegistryError(f"{url}: authentication required; pass --username/--password")
            response = client.get(url, headers=headers, auth=auth)
    except httpx.HTTPError as exc:
        raise RegistryError(f"{url}: {exc}") from exc
    if response.status_code == 401:
        raise RegistryError(f"{url}: credentials refused")
    if response.status_code != 200:
        raise RegistryError(f"{url}: HTTP {response.status_code}")
    return response


def _from_oci(
    client: httpx.Client,
    ref: OciReference,
    out: IO[bytes],
    auth: tuple[str, str] | None,
    plain_http: bool | None,
) -> tuple[str, str, int]:
    """Fetch the database layer of an OCI artifact; its descriptor digest is the checksum."""
    base = f"{ref.base_url(plain_http)}/v2/{ref.repository}"
    response = _registry_get(
        client, f"{base}/manifests/{ref.reference}", auth, {"Accept": _MANIFEST_ACCEPT}
    )
    if ref.reference.startswith("sha256:"):
        actual = "sha256:" + hashlib.sha256(response.content).hexdigest()
        if actual != ref.reference:
            raise DatabaseError(f"{ref.host}/{ref.repository}: manifest digest is {actual}")
    try:
        layers = response.json().get("layers") or []
    except ValueError as exc:
        raise RegistryError(f"{base}: manifest is not JSON") from exc
    ours = [
        layer for layer in layers if layer.get("mediaType") in (DB_MEDIA_TYPE, DB_MEDIA_TYPE_ZSTD)
    ]
    chosen = ours or layers
    if len(chosen) != 1 or not str(chosen[0].get("digest", "")).startswith("sha256:"):
        raise DatabaseError(f"{base}: artifact has no single sha256 database layer")
    digest = str(chosen[0]["digest"])
    url = f"{base}/blobs/{digest}"
    try:
        with client.stream("GET", url, auth=auth) if auth else client.stream("GET", url) as blob:
            if blob.status_code != 200:
                raise RegistryError(f"{url}: HTTP {blob.status_code}")
            actual_hex, size = _copy_hashed(blob.iter_bytes(_CHUNK), out)
    except httpx.HTTPError as exc:
        raise RegistryError(f"{url}: {exc}") from exc
    return digest.removeprefix("sha256:"), actual_hex, size


def _install(download: Path, staged: Path, source: str) -> None:
    """Decompress ``download`` into ``staged`` if it is zstd, else move it there."""
    with download.open("rb") as src:
        if src.read(4) != ZSTD_MAGIC:
            os.replace(download, staged)
            return
        src.seek(0)
        try:
            with staged.open("wb") as dst:
                zstandard.ZstdDecompressor().copy_stream(src, dst)
        except zstandard.ZstdError as exc:
            raise DatabaseError(f"{source}: bad zstd data ({exc})") from exc


def _temp_file(db_path: Path, kind: str) -> Path:
    """A new empty file beside the database (same filesystem, so os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{db_path.name}.{kind}-", dir=db_path.parent)
    os.close(fd)
    return Path(name)


def update_database(
    source: str,
    db_path: Path,
    *,
    sha256: str | None = None,
    offline: bool = False,
    username: str | None = None,
    password: str | None = None,
    plain_http: bool | None = None,
    client: httpx.Client | None = None,
) -> UpdateResult:
    """Install the database at ``source`` (URL, ``oci://`` reference or path) as ``db_path``."""
    start = time.perf_counter()
    remote = source.startswith(("http://", "https://", "oci://"))
    if remote and offline:
        raise UsageError("--offline: `hullscan db update` needs the network; give a local file")
    if sha256 is not None:
        sha256 = _parse_checksum(sha256, "--sha256")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    download, staged = temps = [_temp_file(db_path, kind) for kind in ("download", "new")]
    http = client or (sources.new_client() if remote else None)
    try:
        with download.open("wb") as out:
            if source.startswith("oci://"):
                assert http is not None
                auth = (username, password or "") if username else None
                expected, actual, size = _from_oci(
                    http, OciReference.parse(source), out, auth, plain_http
                )
                if sha256 is not None and sha256 != expected:
                    raise DatabaseError(
                        f"{source}: layer digest {expected} is not --sha256 {sha256}"
                    )
            elif remote:
                assert http is not None
                expected, actual, size = _from_url(http, source, out, sha256)
            else:
                expected, actual, size = _from_file(Path(source), out, sha256)
        if actual != expected:
            raise DatabaseError(
                f"{source}: sha256 is {actual}, expected {expected}; not installed"
            )
        _install(download, staged, source)
        with VulnDB(staged) as db:
            db.verify_integrity()
            schema, built_at = int(db.meta["schema_version"]), db.meta.get("built_at", "")
        os.replace(staged, db_path)
    finally:
        if http is not None and client is None:
            http.close()
        for temp in temps:
            temp.unlink(missing_ok=True)
    return UpdateResult(
        path=db_path,
        source=source,
        sha256=expected,
        downloaded_bytes=size,
        size_bytes=db_path.stat().st_size,
        schema_version=schema,
        built_at=built_at,
        seconds=time.perf_counter() - start,
    )
