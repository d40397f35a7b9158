"""Header blobs out of rpm's own "ndb" package database (``Packages.db``, SUSE since 15 SP3).

Layout (little-endian, rpm lib/backend/ndb/rpmpkg.c): a 32-byte file header (magic ``RpmP``,
format version 0, generation, number of 4 KiB slot pages), the rest of the slot pages as
16-byte slots (magic ``Slot``, package index, block offset, block count; index 0 = free), and
blocks of 16 bytes holding each blob: a 16-byte blob header (magic ``BlbS``, package index,
unused, length), the header blob, zero padding, and a 12-byte tail (Adler-32 of everything
before the tail, length, magic ``BlbE``). The checksum is verified, so a damaged blob is
reported instead of being half-parsed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import IO

from hullscan.errors import InventoryError

__all__ = ["read_ndb"]

_FILE_MAGIC = b"RpmP"
_SLOT_MAGIC = b"Slot"
_BLOB_MAGIC = b"BlbS"
_TAIL_MAGIC = b"BlbE"
_PAGE = 4096
_BLOCK = 16
_MAX_SLOT_PAGES = 2048  # 500k packages; anything larger is a damaged header
_ENTRY = struct.Struct("<4sIII")
_TAIL = struct.Struct("<II4s")


def _slots(body: IO[bytes]) -> list[tuple[int, int, int]]:
    """(package index, block offset, block count) of every used slot."""
    body.seek(0)
    head = body.read(2 * _BLOCK)  # the file header fills the first two slots
    if len(head) < 2 * _BLOCK:
        raise InventoryError("too short for an rpm ndb database")
    magic, version, _generation, slot_pages = _ENTRY.unpack_from(head)
    if magic != _FILE_MAGIC or version != 0:
        raise InventoryError("not an rpm ndb database (bad magic or version)")
    if not 0 < slot_pages <= _MAX_SLOT_PAGES:
        raise InventoryError(f"ndb header claims {slot_pages} slot pages")
    area = body.read(slot_pages * _PAGE - 2 * _BLOCK)
    if len(area) != slot_pages * _PAGE - 2 * _BLOCK:
        raise InventoryError("ndb slot pages are truncated")
    used = []
    for magic, index, offset, count in _ENTRY.iter_unpack(area):
        if magic != _SLOT_MAGIC:
            raise InventoryError("ndb slot with a bad magic")
        if index:
            used.append((index, offset, count))
    return used


def read_ndb(body: IO[bytes]) -> Iterator[bytes | InventoryError]:
    """Every header blob, in slot order; a damaged blob yields an error in its place.

    Raises InventoryError when the file or slot headers are unusable.
    """
    for index, offset, count in _slots(body):
        body.seek(offset * _BLOCK)
        block = body.read(count * _BLOCK)
        if len(block) != count * _BLOCK or count * _BLOCK < _ENTRY.size + _TAIL.size:
            yield InventoryError(f"ndb blob of package {index} is truncated")
            continue
        magic, blob_index, _unused, length = _ENTRY.unpack_from(block)
        checksum, tail_length, tail_magic = _TAIL.unpack_from(block, len(block) - _TAIL.size)
        if (
            magic != _BLOB_MAGIC
            or tail_magic != _TAIL_MAGIC
            or blob_index != index
            or tail_length != length
            or _ENTRY.size + length > len(block) - _TAIL.size
        ):
            yield InventoryError(f"ndb blob of package {index} has a damaged frame")
            continue
        if zlib.adler32(block[: len(block) - _TAIL.size]) != checksum:
            yield InventoryError(f"ndb blob of package {index} fails its checksum")
            continue
        yield block[_ENTRY.size : _ENTRY.size + length]
