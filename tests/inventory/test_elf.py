"""The minimal ELF reader on synthetic files of both classes and byte orders, and bad tables."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Sequence

import pytest

from hullscan.inventory.elf import PF_W, PT_LOAD, ElfError, ElfFile

BASE_ADDR = 0x400000
_ALIGN = 16

# ELF header fields after e_ident, section and program header layouts, by class.
_EHDR = {1: "HHIIIIIHHHHHH", 2: "HHIQQQIHHHHHH"}
_SHDR = {1: "IIIIIIIIII", 2: "IIQQQQIIQQ"}
_PHDR = {1: "IIIIIIII", 2: "IIQQQQQQ"}


def data_start(elf_class: int) -> int:
    """File offset where `build_elf` puts the first section's bytes."""
    return _aligned(struct.calcsize(_EHDR[elf_class]) + 16 + struct.calcsize(_PHDR[elf_class]))


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def build_elf(
    sections: Sequence[tuple[str, bytes | Callable[[int], bytes]]],
    elf_class: int = 2,
    big_endian: bool = False,
) -> bytes:
    """An ELF file whose named sections follow one another in one writable PT_LOAD segment.

    A section body may be a function of the section's virtual address (for build info that
    points into itself). Section headers come last; section ``i`` has index ``i + 1``.
    """
    order = ">" if big_endian else "<"
    offset = data_start(elf_class)
    blobs: list[tuple[str, int, bytes]] = []
    for name, body in sections:
        data = body(BASE_ADDR + offset) if callable(body) else body
        blobs.append((name, offset, data))
        offset = _aligned(offset + len(data))
    load_end = offset
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _, _ in blobs) + b".shstrtab\0"
    names_off = offset
    shoff = _aligned(names_off + len(names))
    shdrs = [struct.pack(order + _SHDR[elf_class], *([0] * 10))]
    name_pos = 1
    for name, off, data in blobs:
        shdrs.append(
            struct.pack(
                order + _SHDR[elf_class],
                name_pos,
                1,
                3,
                BASE_ADDR + off,
                off,
                len(data),
                0,
                0,
                1,
                0,
            )
        )
        name_pos += len(name) + 1
    shdrs.append(
        struct.pack(order + _SHDR[elf_class], name_pos, 3, 0, 0, names_off, len(names), 0, 0, 1, 0)
    )
    start, filesz = data_start(elf_class), load_end - data_start(elf_class)
    vaddr = BASE_ADDR + start
    if elf_class == 2:
        phdr = struct.pack(
            order + _PHDR[2], PT_LOAD, 4 | PF_W, start, vaddr, vaddr, filesz, filesz, 0x1000
        )
    else:
        phdr = struct.pack(
            order + _PHDR[1], PT_LOAD, start, vaddr, vaddr, filesz, filesz, 4 | PF_W, 0x1000
        )
    ehdr_size = 16 + struct.calcsize(_EHDR[elf_class])
    ident = b"\x7fELF" + bytes([elf_class, 2 if big_endian else 1, 1]) + b"\0" * 9
    header = ident + struct.pack(
        order + _EHDR[elf_class],
        2,
        62,
        1,
        0,
        ehdr_size,
        shoff,
        0,
        ehdr_size,
        len(phdr),
        1,
        len(shdrs[0]),
        len(shdrs),
        len(shdrs) - 1,
    )
    out = bytearray(shoff + len(b"".join(shdrs)))
    out[: len(header)] = header
    out[ehdr_size : ehdr_size + len(phdr)] = phdr
    for _, off, data in blobs:
        out[off : off + len(data)] = data
    out[names_off : names_off + len(names)] = names
    out[shoff:] = b"".join(shdrs)
    return bytes(out)


@pytest.mark.parametrize("elf_class", [1, 2])
@pytest.mark.parametrize("big_endian", [False, True])
def test_tables_in_both_classes_and_orders(elf_class: int, big_endian: bool) -> None:
    data = build_elf([(".one", b"first"), (".two", b"second!")], elf_class, big_endian)
    elf = ElfFile(io.BytesIO(data))
    assert (elf.pointer_size, elf.big_endian) == (4 * elf_class, big_endian)
    assert [s.name for s in elf.sections] == ["", ".one", ".two", ".shstrtab"]
    two = elf.section(".two")
    assert two is not None and elf.read_section(two) == b"second!"
    assert elf.read_vaddr(two.addr, 3) == b"sec"
    assert not elf.truncated and elf.declared_end() <= elf.file_size
    with pytest.raises(ElfError, match="outside the loadable segments"):
        elf.read_vaddr(0x10, 4)


def test_extended_section_numbering() -> None:
    data = bytearray(build_elf([(".one", b"x")]))
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    struct.pack_into("<HH", data, 0x3C, 0, 0xFFFF)  # e_shnum = 0, e_shstrndx = SHN_XINDEX
    struct.pack_into("<Q", data, shoff + 32, 3)  # section 0 sh_size = real count
    struct.pack_into("<I", data, shoff + 40, 2)  # section 0 sh_link = real shstrndx
    elf = ElfFile(io.BytesIO(bytes(data)))
    assert [s.name for s in elf.sections] == ["", ".one", ".shstrtab"]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda d: d[:40], "truncated ELF"),
        (lambda d: d[:4] + b"\x07" + d[5:], "unknown ELF class"),
        (lambda d: d[:0x3A] + struct.pack("<H", 8) + d[0x3C:], "entry size 8 is too small"),
        (lambda d: d[:0x36] + struct.pack("<H", 8) + d[0x38:], "entry size 8 is too small"),
        (lambda d: b"MZ" + d[2:], "not an ELF file"),
    ],
)
def test_bad_headers_raise_elf_error(patch: Callable[[bytes], bytes], message: str) -> None:
    with pytest.raises(ElfError, match=message):
        ElfFile(io.BytesIO(patch(build_elf([(".one", b"x")]))))


def test_truncated_file_is_noticed() -> None:
    data = build_elf([(".big", b"y" * 4096)])
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    moved = bytearray(data)
    struct.pack_into("<Q", moved, shoff + 64 + 24, 1 << 20)  # .big sh_offset past the end
    elf = ElfFile(io.BytesIO(bytes(moved)))
    assert elf.truncated and elf.declared_end() > elf.file_size
    big = elf.section(".big")
    assert big is not None
    with pytest.raises(ElfError, match="truncated ELF"):
        elf.read_section(big)


def test_one_parse_per_body() -> None:
    """The Go and Rust analyzers read the same body in turn: its tables are parsed once."""
    data = build_elf([(".one", b"first")])
    body = io.BytesIO(data)
    first = ElfFile.of(body)
    assert ElfFile.of(body) is first
    other = ElfFile.of(io.BytesIO(data))
    assert other is not first and other.sections == first.sections
    damaged = io.BytesIO(b"\x7fELF" + b"\x09" * 60)
    for _ in range(2):  # the error is kept too, and raised again
        with pytest.raises(ElfError, match="unknown ELF class"):
            ElfFile.of(damaged)


def test_section_named_by_a_shared_tail() -> None:
    """A linker may point ``.text`` into the middle of ``.rela.text`` in the name table."""
    data = bytearray(build_elf([(".rela.text", b"relocs"), (".data", b"d")]))
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    struct.pack_into("<I", data, shoff + 2 * 64, 1 + len(".rela"))  # .data's name -> ".text"
    elf = ElfFile(io.BytesIO(bytes(data)))
    assert [s.name for s in elf.sections] == ["", ".rela.text", ".text", ".shstrtab"]
    text = elf.section(".text")
    assert text is not None and elf.read_section(text) == b"d"
    assert elf.section(".rela.text") == elf.sections[1]
    assert elf.section(".data") is None and elf.section(".go.buildinfo") is None


def test_name_at_the_end_of_an_unterminated_table() -> None:
    data = bytearray(build_elf([(".one", b"x")]))
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    size_field = shoff + 2 * 64 + 32  # .shstrtab's sh_size: drop its final NUL
    struct.pack_into("<Q", data, size_field, struct.unpack_from("<Q", data, size_field)[0] - 1)
    elf = ElfFile(io.BytesIO(bytes(data)))
    assert elf.section(".shstrtab") == elf.sections[2]
    assert elf.sections[2].name == ".shstrtab"
