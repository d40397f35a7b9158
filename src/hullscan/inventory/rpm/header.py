"""The rpm header blob: what every rpmdb backend stores per installed package.

A header is ``il`` (index entry count) and ``dl`` (data length) as big-endian uint32, then
``il`` 16-byte index entries (tag, type, offset, count; big-endian), then ``dl`` bytes of
data the entries point into. Entries before tag 100 describe regions (signed/immutable
spans) and are skipped: only the values matter here, and where a tag appears twice (a
"dribble" entry written after installation) the later entry wins, as in rpm's own import.

Written here rather than bound to librpm so scans need no rpm installation and can read
databases of any rpm version on any host.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hullscan.errors import InventoryError

__all__ = ["RpmHeader", "parse_header"]

# rpm's own sanity limits (lib/header.c: hdrchkTags / hdrchkData).
_MAX_INDEX = 0xFFFF
_MAX_DATA = 256 * 1024 * 1024

# Data types.
_INT32 = 4
_INT64 = 5
_STRING = 6
_BIN = 7
_STRING_ARRAY = 8
_I18NSTRING = 9

# Tags read (rpmtag.h).
_SIGMD5 = 261
_NAME = 1000
_VERSION = 1001
_RELEASE = 1002
_EPOCH = 1003
_SUMMARY = 1004
_SIZE = 1009
_VENDOR = 1011
_LICENSE = 1014
_ARCH = 1022
_OLDFILENAMES = 1027
_SOURCERPM = 1044
_PROVIDENAME = 1047
_REQUIRENAME = 1049
_DIRINDEXES = 1116
_BASENAMES = 1117
_DIRNAMES = 1118
_LONGSIZE = 5009
_MODULARITYLABEL = 5096
_WANTED = frozenset(
    {
        _SIGMD5,
        _NAME,
        _VERSION,
        _RELEASE,
        _EPOCH,
        _SUMMARY,
        _SIZE,
        _VENDOR,
        _LICENSE,
        _ARCH,
        _OLDFILENAMES,
        _SOURCERPM,
        _PROVIDENAME,
        _REQUIRENAME,
        _DIRINDEXES,
        _BASENAMES,
        _DIRNAMES,
        _LONGSIZE,
        _MODULARITYLABEL,
    }
)
_INDEX_ENTRY = struct.Struct(">iIiI")


@dataclass(frozen=True)
class RpmHeader:
    """The facts of one installed rpm that a scan uses.

    ``epoch`` is None when the package has no Epoch tag (rpm treats that as 0 when comparing,
    but prints no epoch). ``files`` are absolute paths as rpm records them.
    """

    name: str
    version: str
    release: str
    epoch: int | None = None
    arch: str = ""
    source_rpm: str = ""
    license: str = ""
    vendor: str = ""
    summary: str = ""
    size: int = 0
    sigmd5: str = ""
    modularity_label: str = ""
    provides: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def evr(self) -> str:
        """``[epoch:]version-release``, the form rpm advisories compare."""
        prefix = f"{self.epoch}:" if self.epoch is not None else ""
        suffix = f"-{self.release}" if self.release else ""
        return f"{prefix}{self.version}{suffix}"


class _Reader:
    """Typed access to the values of one header, bounds-checked against its data area."""

    def __init__(self, data: bytes, entries: dict[int, tuple[int, int, int]]) -> None:
        self.data = data
        self.entries = entries

    def _entry(self, tag: int, types: tuple[int, ...]) -> tuple[int, int] | None:
        entry = self.entries.get(tag)
        if entry is None or entry[0] not in types:
            return None
        _type, offset, count = entry
        if not 0 <= offset < len(self.data) or count < 1:
            raise InventoryError(f"tag {tag} points outside the header data")
        return offset, count

    def _strings(self, offset: int, count: int) -> list[str]:
        out = []
        for _ in range(count):
            end = self.data.find(b"\0", offset)
            if end < 0:
                raise InventoryError("unterminated string in header data")
            out.append(self.data[offset:end].decode("utf-8", errors="replace"))
            offset = end + 1
        return out

    def string(self, tag: int) -> str:
        found = self._entry(tag, (_STRING, _I18NSTRING, _STRING_ARRAY))
        if found is None:
            return ""
        value = self._strings(found[0], 1)[0]
        # rpm writes "(none)" for some unset string tags in old headers.
        return "" if value == "(none)" else value

    def strings(self, tag: int) -> list[str]:
        found = self._entry(tag, (_STRING_ARRAY, _STRING))
        return self._strings(*found) if found else []

    def ints(self, tag: int) -> list[int]:
        found = self._entry(tag, (_INT32, _INT64))
        if found is None:
            return []
        offset, count = found
        width = "I" if self.entries[tag][0] == _INT32 else "Q"
        size = struct.calcsize(width) * count
        if offset + size > len(self.data):
            raise InventoryError(f"tag {tag} runs past the header data")
        return list(struct.unpack_from(f">{count}{width}", self.data, offset))

    def binary_hex(self, tag: int) -> str:
        found = self._entry(tag, (_BIN,))
        if found is None:
            return ""
        offset, count = found
        if offset + count > len(self.data):
            raise InventoryError(f"tag {tag} runs past the header data")
        return self.data[offset : offset + count].hex()


def _files(reader: _Reader) -> tuple[str, ...]:
    basenames = reader.strings(_BASENAMES)
    if not basenames:
        return tuple(reader.strings(_OLDFILENAMES))
    dirnames = reader.strings(_DIRNAMES)
    indexes = reader.ints(_DIRINDEXES)
    if len(indexes) != len(basenames) or any(i >= len(dirnames) for i in indexes):
        raise InventoryError("file list index does not match its directories")
    return tuple(dirnames[i] + base for i, base in zip(indexes, basenames, strict=True))


def parse_header(blob: bytes) -> RpmHeader:
    """Parse one header blob; raises InventoryError (without a path) if it is malformed."""
    if len(blob) < 8:
        raise InventoryError(f"header of {len(blob)} bytes is too short")
    il, dl = struct.unpack_from(">II", blob)
    data_start = 8 + 16 * il
    if not 1 <= il <= _MAX_INDEX or dl > _MAX_DATA or data_start + dl > len(blob):
        raise InventoryError(f"header sizes out of range (entries {il}, data {dl} bytes)")
    entries: dict[int, tuple[int, int, int]] = {}
    for tag, kind, offset, count in _INDEX_ENTRY.iter_unpack(blob[8:data_start]):
        if tag in _WANTED:
            entries[tag] = (kind, offset, count)
    reader = _Reader(blob[data_start : data_start + dl], entries)
    name = reader.string(_NAME)
    version = reader.string(_VERSION)
    if not name or not version:
        raise InventoryError("header without NAME or VERSION")
    epoch = reader.ints(_EPOCH)
    size = reader.ints(_SIZE) or reader.ints(_LONGSIZE)
    return RpmHeader(
        name=name,
        version=version,
        release=reader.string(_RELEASE),
        epoch=epoch[0] if epoch else None,
        arch=reader.string(_ARCH),
        source_rpm=reader.string(_SOURCERPM),
        license=reader.string(_LICENSE),
        vendor=reader.string(_VENDOR),
        summary=reader.string(_SUMMARY),
        size=size[0] if size else 0,
        sigmd5=reader.binary_hex(_SIGMD5),
        modularity_label=reader.string(_MODULARITYLABEL),
        provides=tuple(reader.strings(_PROVIDENAME)),
        requires=tuple(reader.strings(_REQUIRENAME)),
        files=_files(reader),
    )
