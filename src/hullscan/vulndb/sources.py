"""Where advisory data comes from: a local folder laid out like the OSV bucket, or HTTP(S).

A source folder holds ``<Ecosystem>/all.zip`` (or ``<Ecosystem>/*.json``) per OSV ecosystem,
and optionally ``nvd/`` (NVD CVE API 2.0 JSON, plain or gzip), ``kev/`` (CISA's KEV JSON)
and ``epss/`` (FIRST's EPSS CSV, plain or gzip). A folder of OSV JSON records with no
ecosystem folders is one OSV source too. Over HTTP the same layout is fetched into a temporary
folder first, so both paths share one reader.
"""

from __future__ import annotations

import logging
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from hullscan.errors import DatabaseError
from hullscan.inventory.interface import Ecosystem

log = logging.getLogger(__name__)

#: The public OSV bucket; `fetch` reads ``<base>/<Ecosystem>/all.zip`` from it.
DEFAULT_ECOSYSTEMS = tuple(e.value for e in Ecosystem)
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_TIMEOUT = httpx.Timeout(60.0, connect=15.0)


@dataclass(frozen=True)
class Layout:
    """The files of one source folder, by kind. ``osv`` pairs a source name with a path."""

    osv: tuple[tuple[str, Path], ...] = ()
    nvd: tuple[Path, ...] = ()
    kev: tuple[Path, ...] = ()
    epss: tuple[Path, ...] = ()
    locations: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.osv or self.nvd or self.kev or self.epss)


def _data_files(folder: Path, suffixes: tuple[str, ...]) -> tuple[Path, ...]:
    if not folder.is_dir():
        return ()
    return tuple(sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffixes)))


def discover(root: Path) -> Layout:
    """The sources in ``root``; raises DatabaseError if it holds none."""
    if not root.is_dir():
        raise DatabaseError(f"{root}: not a folder of advisory data")
    osv: list[tuple[str, Path]] = []
    if any(root.glob("*.json")):
        osv.append((f"osv:{root.name}", root))  # a folder of records (subfolders included)
    else:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if sub.name in {"nvd", "kev", "epss"}:
                continue
            if (sub / "all.zip").is_file():
                osv.append((f"osv:{sub.name}", sub / "all.zip"))
            elif any(sub.rglob("*.json")):
                osv.append((f"osv:{sub.name}", sub))
    kev = tuple(
        p
        for p in _data_files(root / "kev", (".json", ".json.gz"))
        if p.name.startswith("known_exploited") and "schema" not in p.name
    )
    layout = Layout(
        osv=tuple(osv),
        nvd=_data_files(root / "nvd", (".json", ".json.gz")),
        kev=kev,
        epss=_data_files(root / "epss", (".csv", ".csv.gz")),
    )
    if layout.is_empty():
        raise DatabaseError(f"{root}: no OSV, NVD, KEV or EPSS data found")
    return layout


def iter_osv(path: Path) -> Iterator[bytes]:
    """The body of every ``*.json`` record in a zip or a folder (recursively)."""
    if path.is_dir():
        for record in sorted(path.rglob("*.json")):
            yield record.read_bytes()
    else:
        yield from _iter_zip(path)


def _iter_zip(path: Path) -> Iterator[bytes]:
    """Zip members read straight from the archive's bytes.

    Hand-written rather than ``ZipFile.read`` per member because opening a member through
    zipfile costs as much as inflating it: for the ~46,000 small records of the OSV export
    this halves the read time. zipfile still parses the central directory, and members that
    are neither stored nor deflated, or fail their CRC, go through it (and its errors).
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DatabaseError(f"{path}: not a readable zip archive ({exc})") from exc
    with archive:
        data = path.read_bytes()
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            body = None
            if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                magic, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, info.header_offset)
                start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
                raw = data[start : start + info.compress_size]
                if magic == b"PK\x03\x04":
                    body = zlib.decompress(raw, -15) if info.compress_type else raw
                    if zlib.crc32(body) != info.CRC:
                        body = None
            if body is None:
                try:
                    body = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                    raise DatabaseError(f"{path}: member {info.filename}: {exc}") from exc
            yield body


def _download(client: httpx.Client, url: str, dest: Path, *, required: bool) -> bool:
    """Stream ``url`` to ``dest``; a 404 is False unless ``required``."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code == 404 and not required:
                log.info("not found, skipped: %s", url)
                return False
            if response.status_code != 200:
                raise DatabaseError(f"{url}: HTTP {response.status_code}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with dest.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
    except httpx.HTTPError as exc:
        raise DatabaseError(f"{url}: download failed ({exc})") from exc
    return True


def new_client() -> httpx.Client:
    """The HTTP client downloads use unless a caller passes its own."""
    return httpx.Client(timeout=_TIMEOUT, follow_redirects=True)


def fetch_osv(
    client: httpx.Client, base_url: str, dest: Path, ecosystems: tuple[str, ...]
) -> Layout:
    """Download ``<base>/<Ecosystem>/all.zip`` per ecosystem into ``dest``; 404s are skipped."""
    locations: dict[str, str] = {}
    for eco in ecosystems:
        url = f"{base_url.rstrip('/')}/{quote(eco)}/all.zip"
        if _download(client, url, dest / eco / "all.zip", required=False):
            locations[f"osv:{eco}"] = url
    if not locations:
        raise DatabaseError(f"{base_url}: no OSV ecosystem archives found there")
    layout = discover(dest)
    return Layout(layout.osv, locations=locations)


def fetch_file(client: httpx.Client, url: str, dest_dir: Path) -> Path:
    """Download one feed file into ``dest_dir``, keeping its name (it may say ``.gz``)."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "download"
    dest = dest_dir / name
    _download(client, url, dest, required=True)
    return dest
