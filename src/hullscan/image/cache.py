"""The layer cache: analysis results per layer, so a rescan reads no layer it has seen.

Keyed by the layer's diff_id (the hash of its uncompressed content, verified while it was
read), the analyzers' names and versions, and the options that change their output. Stored in
one SQLite file in WAL mode, so several scans can read and write at once: readers never block,
a writer waits a bounded time for another, and a cache that cannot be written only costs the
next scan a re-read; it never fails this one.

Above layers, it keeps each image's merged inventory, keyed by the same token and the
image's diff_ids in order: a rescan of an unchanged image then reads one row, and imports
neither the analyzers nor the merge. Besides layers, the cache remembers what a local image
file resolved to (keyed by the file's identity and a fingerprint of its last bytes), so a
rescan need not open the archive again; for a gzip-wrapped one, whose manifest sits at the
end of the stream, that is the difference between inflating all of it and reading nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hullscan
from hullscan.image.interface import ImageMeta, Platform
from hullscan.inventory.catalog import AnalyzerEntry
from hullscan.inventory.interface import AnalyzerOptions, Inventory

if TYPE_CHECKING:
    from hullscan.image.walk import LayerResult

log = logging.getLogger(__name__)

# Bump when LayerResult's shape or the walk's semantics change.
WALK_VERSION = 1
# Bump when the merge (hullscan.inventory.merge) makes another inventory of the same layer
# results; a new hullscan release starts afresh anyway.
MERGE_VERSION = 1
_BUSY_TIMEOUT_MS = 5000


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/hullscan``, else ``~/.cache/hullscan``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hullscan"


def analysis_token(analyzers: Iterable[AnalyzerEntry], options: AnalyzerOptions) -> str:
    """What, besides the layer itself, decides an analysis result."""
    parts = [f"walk:{WALK_VERSION}", options.cache_token()]
    parts += sorted(f"{a.name}:{a.version}" for a in analyzers)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def inventory_key(token: str, image: ImageMeta) -> str:
    """What decides an image's inventory: its layers in order, their analysis, the merge."""
    parts = [token, f"merge:{MERGE_VERSION}", f"hullscan:{hullscan.__version__}"]
    parts += [layer.diff_id for layer in image.layers]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class LayerCache:
    """Per-layer analysis results in SQLite; every failure degrades to a cache miss."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "layers.sqlite"
        self._db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS layers (diff_id TEXT NOT NULL, token TEXT NOT NULL,"
                " data BLOB NOT NULL, PRIMARY KEY (diff_id, token)) WITHOUT ROWID"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS sources (key TEXT PRIMARY KEY, data BLOB NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS inventories (key TEXT PRIMARY KEY, data BLOB NOT NULL)"
            )
            self._db = db
        except (sqlite3.Error, OSError) as err:
            log.warning("layer cache %s unusable, scanning without it: %s", self.path, err)

    def get(self, diff_id: str, token: str) -> LayerResult | None:
        row = self._query(
            "SELECT data FROM layers WHERE diff_id = ? AND token = ?", (diff_id, token)
        )
        if row is None:
            return None
        from hullscan.image.walk import LayerResult  # not imported when the inventory is cached

        try:
            return LayerResult.from_dict(_unpack(row))
        except (zlib.error, ValueError, KeyError, TypeError) as err:
            log.warning(
                "layer cache entry for %s is corrupt, re-reading the layer: %s", diff_id, err
            )
            return None

    def put(self, result: LayerResult, token: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO layers (diff_id, token, data) VALUES (?, ?, ?)",
            (result.diff_id, token, _pack(result.to_dict())),
        )

    def get_inventory(self, key: str) -> Inventory | None:
        """The inventory stored under `inventory_key`, or None (a corrupt row is a miss)."""
        row = self._query("SELECT data FROM inventories WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return Inventory.from_dict(_unpack(row))
        except (zlib.error, ValueError, KeyError, TypeError) as err:
            log.warning("cached inventory %s is corrupt, merging again: %s", key[:16], err)
            return None

    def put_inventory(self, key: str, inventory: Inventory) -> None:
        self._write(
            "INSERT OR REPLACE INTO inventories (key, data) VALUES (?, ?)",
            (key, _pack(inventory.to_dict())),
        )

    def get_source(self, key: str) -> dict[str, Any] | None:
        row = self._query("SELECT data FROM sources WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            value = _unpack(row)
        except (zlib.error, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put_source(self, key: str, value: dict[str, Any]) -> None:
        self._write(
            "INSERT OR REPLACE INTO sources (key, data) VALUES (?, ?)", (key, _pack(value))
        )

    def _query(self, sql: str, args: tuple[str, ...]) -> bytes | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(sql, args).fetchone()
        except sqlite3.Error as err:
            log.warning("layer cache read failed, treating as a miss: %s", err)
            return None
        return bytes(row[0]) if row else None

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        if self._db is None:
            return
        try:
            self._db.execute(sql, args)
        except sqlite3.Error as err:
            log.warning("layer cache write failed; the next scan will re-read: %s", err)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _pack(value: object) -> bytes:
    """How every row is stored: compact JSON, zlib-compressed."""
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def _unpack(row: bytes) -> Any:
    return json.loads(zlib.decompress(row))


def image_of(record: dict[str, Any] | None, key: str) -> ImageMeta | None:
    """The image a `LayerCache.put_source` record describes; None if there is none or it is
    damaged (the file is then opened again)."""
    if record is None:
        return None
    try:
        return ImageMeta.from_dict(record)
    except (KeyError, TypeError, ValueError) as err:
        log.warning("cached image record %s is corrupt, reading the file again: %s", key, err)
        return None


def file_fingerprint(path: Path) -> str:
    """A cheap identity of a local image file: device, inode, size, mtime and its last 64 KiB.

    The tail of a gzip stream carries the CRC32 and length of all it inflates to, and the tail
    of a tar archive its last members, so a rewritten file with the same size and mtime still
    changes the fingerprint.
    """
    st = path.stat()
    digest = hashlib.sha256(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode())
    with path.open("rb") as fh:
        fh.seek(max(0, st.st_size - 65536))
        digest.update(fh.read())
    return digest.hexdigest()


def local_file_key(path: Path, image: str | None, platform: Platform | None) -> str:
    """Where the sources table keeps what an image file resolved to (its layers)."""
    return f"file:{file_fingerprint(path)}:{image or ''}:{platform or ''}"
