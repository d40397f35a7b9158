"""Header blobs out of a Berkeley DB hash database (``Packages``, rpm before 4.16).

Only the parts of the on-disk format rpm's Packages file uses are read: the hash metadata
page (page 0) for byte order, page size and page count; hash pages (types 2 and 13), whose
index holds alternating key/value item offsets; and overflow pages (type 7), the chains
that hold values too large for a hash page, which is where package headers live. Small
values stored inline on the hash page are read too. The key-0 record, where rpm keeps its
next-instance counter rather than a header, is skipped.

Pages are read one at a time through seek/read, so memory stays at a page or one header
no matter how large the database is.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import IO

from hullscan.errors import InventoryError

__all__ = ["read_bdb"]

_HASH_MAGIC = 0x061561
_PAGE_HEADER = 26
_HASH_META = 8
_HASH_UNSORTED = 2
_HASH = 13
_OVERFLOW = 7
_H_KEYDATA = 1
_H_OFFPAGE = 3
_PAGE_SIZES = frozenset(1 << n for n in range(9, 17))
_ZERO_KEY = b"\0\0\0\0"


class _Pages:
    """Page access with the database's byte order."""

    def __init__(self, body: IO[bytes]) -> None:
        body.seek(0)
        meta = body.read(512)
        if len(meta) < 72:
            raise InventoryError("too short for a Berkeley DB file")
        for order in ("<", ">"):
            if struct.unpack_from(f"{order}I", meta, 12)[0] == _HASH_MAGIC:
                break
        else:
            raise InventoryError("not a Berkeley DB hash database (bad magic)")
        self.order = order
        self.body = body
        self.page_size, encryption, page_type = struct.unpack_from(f"{order}IBB", meta, 20)
        self.last_page = struct.unpack_from(f"{order}I", meta, 32)[0]
        if self.page_size not in _PAGE_SIZES or page_type != _HASH_META:
            raise InventoryError("Berkeley DB metadata page is corrupt")
        if encryption:
            raise InventoryError("Berkeley DB database is encrypted")

    def read(self, number: int) -> bytes:
        if number > self.last_page:
            raise InventoryError(f"page {number} is past the last page {self.last_page}")
        self.body.seek(number * self.page_size)
        page = self.body.read(self.page_size)
        if len(page) != self.page_size:
            raise InventoryError(f"page {number} is truncated")
        return page

    def header(self, page: bytes) -> tuple[int, int, int, int]:
        """(next page, entry count, free-area offset, page type) of a page."""
        next_page, entries, offset, _level, page_type = struct.unpack_from(
            f"{self.order}IHHBB", page, 16
        )
        return next_page, entries, offset, page_type

    def overflow(self, first: int, total: int) -> bytes:
        """The value stored in the overflow chain starting at page ``first``."""
        parts: list[bytes] = []
        size = 0
        number = first
        for _ in range(self.last_page + 1):
            if number == 0:
                break
            page = self.read(number)
            number, _entries, length, page_type = self.header(page)
            if page_type != _OVERFLOW or _PAGE_HEADER + length > self.page_size:
                raise InventoryError("broken overflow chain")
            parts.append(page[_PAGE_HEADER : _PAGE_HEADER + length])
            size += length
        else:
            raise InventoryError("overflow chain loops")
        if size < total:
            raise InventoryError(f"overflow chain holds {size} of {total} bytes")
        return b"".join(parts)[:total]


def read_bdb(body: IO[bytes]) -> Iterator[bytes | InventoryError]:
    """Every value (header blob) in the database, in page order; a value whose overflow
    chain is broken yields an error in its place.

    Raises InventoryError when the metadata or a hash page is unusable; values already
    yielded stay valid.
    """
    pages = _Pages(body)
    order = pages.order
    for number in range(1, pages.last_page + 1):
        page = pages.read(number)
        _next, entries, _offset, page_type = pages.header(page)
        if page_type not in (_HASH, _HASH_UNSORTED):
            continue
        if _PAGE_HEADER + 2 * entries > pages.page_size:
            raise InventoryError(f"hash page {number} has a corrupt index")
        index = struct.unpack_from(f"{order}{entries}H", page, _PAGE_HEADER)
        for item in range(1, entries, 2):
            start = index[item]
            end = index[item - 1]  # items are laid out backwards from the page end
            if not _PAGE_HEADER <= start < end <= pages.page_size:
                raise InventoryError(f"hash page {number} has a corrupt item offset")
            key_end = index[item - 2] if item >= 2 else pages.page_size
            key = page[end:key_end]
            kind = page[start]
            if kind == _H_OFFPAGE:
                first, total = struct.unpack_from(f"{order}II", page, start + 4)
                value: bytes | InventoryError
                try:
                    value = pages.overflow(first, total)
                except InventoryError as error:
                    value = InventoryError(f"record on hash page {number}: {error}")
                yield value
            elif kind == _H_KEYDATA and key[1:] != _ZERO_KEY:
                yield page[start + 1 : end]
