"""A minimal, seek-based ELF reader for the binary analyzers (Go build info, cargo-auditable).

Why not pyelftools: the analyzers need the header, the section and program header tables and
a few bytes at a section or virtual address. This reader does exactly that with `struct`,
reading a few kilobytes of a binary that may be a hundred megabytes, and turns every
inconsistency (a table or section past the end of the file, a bad class byte) into one
`ElfError` instead of the many exception types a general reader raises on truncated input.
"""

from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass
from typing import IO, ClassVar

from hullscan.errors import InventoryError

__all__ = ["ELF_MAGIC", "ElfError", "ElfFile", "Section", "Segment"]

ELF_MAGIC = b"\x7fELF"

SHT_NOBITS = 8
PT_LOAD = 1
PF_X = 0x1
PF_W = 0x2

_SHN_XINDEX = 0xFFFF
_PN_XNUM = 0xFFFF
# Bounds that no real binary reaches; they stop a corrupt header from asking for gigabytes.
_MAX_SECTIONS = 1 << 16
_MAX_SEGMENTS = 1 << 12
_MAX_SHSTRTAB = 1 << 20


class ElfError(InventoryError):
    """An ELF file whose headers or data cannot be read as declared (truncated or corrupt)."""


@dataclass(frozen=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int

    @property
    def in_file(self) -> bool:
        """Whether the section occupies bytes of the file (``.bss`` does not)."""
        return self.type != SHT_NOBITS and self.size > 0


@dataclass(frozen=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int


# Header layouts after the 16-byte e_ident, and table entry layouts, by ELF class.
_EHDR = {1: "HHIIIIIHHHHHH", 2: "HHIQQQIHHHHHH"}
_SHDR = {1: "IIIIIIIIII", 2: "IIQQQQIIQQ"}
_PHDR = {1: "IIIIIIII", 2: "IIQQQQQQ"}


class ElfFile:
    """The tables of one ELF file, read from a seekable binary file object."""

    _last_parsed: ClassVar[tuple[IO[bytes], ElfFile | ElfError] | None] = None

    def __init__(self, body: IO[bytes]) -> None:
        """Read the ELF header and tables; the body must start with `ELF_MAGIC`."""
        self._body = body
        self.file_size = body.seek(0, os.SEEK_END)
        ident = self.read_at(0, 16)
        if ident[:4] != ELF_MAGIC:
            raise ElfError("not an ELF file")
        elf_class, data = ident[4], ident[5]
        if elf_class not in _EHDR or data not in (1, 2):
            raise ElfError(f"unknown ELF class {elf_class} / data encoding {data}")
        self.pointer_size = 4 * elf_class
        self.big_endian = data == 2
        self._order = ">" if self.big_endian else "<"
        ehdr_fmt = self._order + _EHDR[elf_class]
        fields = struct.unpack(ehdr_fmt, self.read_at(16, struct.calcsize(ehdr_fmt)))
        (
            _t,
            _m,
            _v,
            _entry,
            phoff,
            shoff,
            _f,
            _eh,
            phentsize,
            phnum,
            shentsize,
            shnum,
            shstrndx,
        ) = fields
        self._raw_sections, self._names, first = self._read_sections(
            elf_class, shoff, shentsize, shnum, shstrndx
        )
        if phnum == _PN_XNUM and first:  # extended numbering: the count is in sh_info
            phnum = first[7]
        self.segments = self._read_segments(elf_class, phoff, phentsize, phnum)

    @classmethod
    def of(cls, body: IO[bytes]) -> ElfFile:
        """The tables of ``body``, parsed once for all the analyzers given the same body.

        Go and Rust build info are both read from every executable; the walk hands each
        analyzer the same body object in turn, so the last parse (or its error) is kept. The
        walk closes a body when its analyzers are done, which frees its bytes.
        """
        last = cls._last_parsed
        if last is not None and last[0] is body:
            parsed = last[1]
        else:
            try:
                parsed = cls(body)
            except ElfError as err:
                parsed = err
            cls._last_parsed = (body, parsed)
        if isinstance(parsed, ElfError):
            raise parsed
        return parsed

    @staticmethod
    def is_elf(head: bytes) -> bool:
        return head[:4] == ELF_MAGIC

    def read_at(self, offset: int, size: int) -> bytes:
        """Exactly ``size`` bytes at file ``offset``, or `ElfError` if the file ends first."""
        if offset < 0 or size < 0 or offset + size > self.file_size:
            raise ElfError(
                f"truncated ELF: needs bytes {offset}..{offset + size}, file has {self.file_size}"
            )
        self._body.seek(offset)
        data = self._body.read(size)
        if len(data) != size:
            raise ElfError(f"truncated ELF: short read at {offset}")
        return data

    @functools.cached_property
    def sections(self) -> tuple[Section, ...]:
        return tuple(_section(self._names, r) for r in self._raw_sections)

    def section(self, name: str) -> Section | None:
        """The first section called ``name``.

        Every executable is asked for one or two names that most do not have, so the name is
        looked up in the name table first and only a section whose name offset points at it
        is built; a name table may share a tail between names (``.rela.text`` and ``.text``),
        hence every occurrence counts.
        """
        key = name.encode("ascii", "replace") + b"\0"
        offsets = set()
        pos = self._names.find(key)
        while pos >= 0:
            offsets.add(pos)
            pos = self._names.find(key, pos + 1)
        if not offsets:
            return None
        for raw in self._raw_sections:
            if raw[0] in offsets:
                return _section(self._names, raw)
        return None

    def read_section(self, section: Section, limit: int | None = None) -> bytes:
        """The section's bytes (at most ``limit``); empty for a section without file bytes."""
        if not section.in_file:
            return b""
        size = section.size if limit is None else min(section.size, limit)
        return self.read_at(section.offset, size)

    def vaddr_to_offset(self, addr: int) -> tuple[int, int] | None:
        """The file offset of virtual address ``addr`` and how many file bytes follow it there."""
        for seg in self.segments:
            if seg.type == PT_LOAD and seg.vaddr <= addr < seg.vaddr + seg.filesz:
                return seg.offset + addr - seg.vaddr, seg.vaddr + seg.filesz - addr
        return None

    def read_vaddr(self, addr: int, size: int) -> bytes:
        """``size`` bytes at virtual address ``addr`` of a loadable segment."""
        where = self.vaddr_to_offset(addr)
        if where is None or where[1] < size:
            raise ElfError(f"address {addr:#x}+{size} is outside the loadable segments")
        return self.read_at(where[0], size)

    def declared_end(self) -> int:
        """The file size the tables promise: the end of the last section or segment."""
        ends = [r[4] + r[5] for r in self._raw_sections if r[1] != SHT_NOBITS and r[5] > 0]
        ends += [p.offset + p.filesz for p in self.segments if p.filesz]
        return max(ends, default=0)

    @property
    def truncated(self) -> bool:
        return self.declared_end() > self.file_size

    # -- tables ---------------------------------------------------------------------------

    def _read_sections(
        self, elf_class: int, shoff: int, shentsize: int, shnum: int, shstrndx: int
    ) -> tuple[tuple[tuple[int, ...], ...], bytes, tuple[int, ...]]:
        """The section table's raw fields, the name table with a NUL after it (so that a
        name at its very end is terminated too), and section 0's fields, where extended
        numbering keeps the real counts."""
        if shoff == 0:
            return (), b"\0", ()
        fmt = self._order + _SHDR[elf_class]
        entry = struct.calcsize(fmt)
        if shentsize < entry:
            raise ElfError(f"section header entry size {shentsize} is too small")
        first: tuple[int, ...] = struct.unpack(fmt, self.read_at(shoff, entry))
        if shnum == 0:  # extended numbering: the count is in section 0's sh_size
            shnum = first[5]
        if shstrndx == _SHN_XINDEX:
            shstrndx = first[6]
        if shnum > _MAX_SECTIONS:
            raise ElfError(f"{shnum} section headers is not plausible")
        table = self.read_at(shoff, shnum * shentsize)
        if shentsize == entry:
            raw = tuple(struct.iter_unpack(fmt, table))
        else:
            raw = tuple(struct.unpack_from(fmt, table, i * shentsize) for i in range(shnum))
        names = b""
        if 0 < shstrndx < shnum:
            strtab = raw[shstrndx]
            if strtab[5] > _MAX_SHSTRTAB:
                raise ElfError("section name table is not plausible")
            names = self.read_at(strtab[4], strtab[5])
        return raw, names + b"\0", first

    def _read_segments(
        self, elf_class: int, phoff: int, phentsize: int, phnum: int
    ) -> tuple[Segment, ...]:
        if phoff == 0 or phnum == 0:
            return ()
        fmt = self._order + _PHDR[elf_class]
        entry = struct.calcsize(fmt)
        if phentsize < entry:
            raise ElfError(f"program header entry size {phentsize} is too small")
        if phnum > _MAX_SEGMENTS:
            raise ElfError(f"{phnum} program headers is not plausible")
        table = self.read_at(phoff, phnum * phentsize)
        out = []
        for i in range(phnum):
            r = struct.unpack_from(fmt, table, i * phentsize)
            if elf_class == 2:
                p_type, p_flags, off, vaddr, _pa, filesz, memsz, _al = r
            else:
                p_type, off, vaddr, _pa, filesz, memsz, p_flags, _al = r
            out.append(Segment(p_type, p_flags, off, vaddr, filesz, memsz))
        return tuple(out)


def _section(names: bytes, raw: tuple[int, ...]) -> Section:
    return Section(
        name=_cstring(names, raw[0]),
        type=raw[1],
        flags=raw[2],
        addr=raw[3],
        offset=raw[4],
        size=raw[5],
    )


def _cstring(table: bytes, offset: int) -> str:
    if offset >= len(table):
        return ""
    end = table.find(b"\0", offset)
    return table[offset : end if end >= 0 else len(table)].decode("ascii", "replace")
