"""Go build information embedded in ELF binaries, read without running them.

Since Go 1.13 the linker writes a 32-byte header starting with ``\\xff Go buildinf:`` into
``.go.buildinfo`` (or, without section headers, near the start of the first writable,
non-executable PT_LOAD segment), 16-byte aligned. Byte 14 is the pointer size and byte 15 the
flags: bit 1 set (Go 1.18+) means the toolchain version and the module text follow the header
inline, each prefixed by its uvarint length; otherwise (Go 1.13-1.17) the header holds two
pointers to Go string headers {data pointer, length}, in the byte order of bit 0. This follows
Go's own ``debug/buildinfo`` and ``runtime/debug.ParseBuildInfo``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

from hullscan.inventory.elf import PF_W, PF_X, PT_LOAD, ElfError, ElfFile
from hullscan.inventory.golang.common import go_unquote

__all__ = [
    "BuildInfo",
    "Module",
    "is_go_semver",
    "ldflags_version",
    "parse_modinfo",
    "read_build_info",
]

MAGIC = b"\xff Go buildinf:"
_HEADER_SIZE = 32
_ALIGN = 16
_FLAG_BIG_ENDIAN = 0x1
_FLAG_INLINE = 0x2
_SEARCH_SIZE = 64 * 1024  # Go's linker puts the blob at the start of the segment
_MAX_STRING = 16 << 20  # the module text of the largest real binaries is well below this
_ByteOrder = Literal["little", "big"]


@dataclass(frozen=True)
class Module:
    path: str
    version: str
    sum: str = ""
    replace: Module | None = None


@dataclass(frozen=True)
class BuildInfo:
    """Build information of one binary; ``problems`` lists lines that could not be read."""

    go_version: str
    path: str = ""
    main: Module | None = None
    deps: tuple[Module, ...] = ()
    settings: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = field(default=())

    def setting(self, key: str) -> str | None:
        for k, v in self.settings:
            if k == key:
                return v
        return None


def read_build_info(elf: ElfFile) -> BuildInfo | None:
    """The build info of a Go binary, or None when the ELF file holds none (not Go).

    Raises `ElfError` when the header is there but what it points at is past the file's end.
    """
    region = _data_region(elf)
    if region is None:
        return None
    offset, size = region
    data = elf.read_at(offset, min(size, _SEARCH_SIZE, max(elf.file_size - offset, 0)))
    start = _find_header(data)
    if start < 0:
        return None
    header = data[start : start + _HEADER_SIZE]
    ptr_size, flags = header[14], header[15]
    if flags & _FLAG_INLINE:
        version, after = _inline_string(elf, offset + start + _HEADER_SIZE)
        modinfo, _ = _inline_string(elf, after)
    else:
        if ptr_size not in (4, 8):
            raise ElfError(f"Go build info with pointer size {ptr_size}")
        order: _ByteOrder = "big" if flags & _FLAG_BIG_ENDIAN else "little"
        version_ptr = int.from_bytes(header[16 : 16 + ptr_size], order)
        modinfo_ptr = int.from_bytes(header[16 + ptr_size : 16 + 2 * ptr_size], order)
        version = _pointed_string(elf, version_ptr, ptr_size, order)
        modinfo = _pointed_string(elf, modinfo_ptr, ptr_size, order)
    if not version:
        return None
    # The module text is framed by two 16-byte sentinels; the second starts after a newline.
    framed = len(modinfo) >= 33 and modinfo[-17:-16] == b"\n"
    text = modinfo[16:-16].decode("utf-8", "replace") if framed else ""
    return parse_modinfo(version.decode("utf-8", "replace"), text)


def _data_region(elf: ElfFile) -> tuple[int, int] | None:
    """File offset and size of where the build info header sits, as Go's reader finds it."""
    sec = elf.section(".go.buildinfo")
    if sec is not None and sec.in_file:
        return sec.offset, sec.size
    for seg in elf.segments:
        if seg.type == PT_LOAD and seg.flags & (PF_X | PF_W) == PF_W and seg.filesz:
            return seg.offset, seg.filesz
    return None


def _find_header(data: bytes) -> int:
    pos = 0
    while True:
        i = data.find(MAGIC, pos)
        if i < 0 or len(data) - i < _HEADER_SIZE:
            return -1
        if i % _ALIGN == 0:
            return i
        pos = i + 1


def _inline_string(elf: ElfFile, offset: int) -> tuple[bytes, int]:
    """A uvarint-length-prefixed string at ``offset``, and the offset after it."""
    head = elf.read_at(offset, min(10, max(elf.file_size - offset, 0)))
    length = shift = 0
    for i, byte in enumerate(head):
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            start = offset + i + 1
            break
    else:
        raise ElfError("Go build info: bad string length")
    if length > _MAX_STRING:
        raise ElfError(f"Go build info: string of {length} bytes is not plausible")
    return elf.read_at(start, length), start + length


def _pointed_string(elf: ElfFile, addr: int, ptr_size: int, order: _ByteOrder) -> bytes:
    """A Go string whose header {data, len} sits at virtual address ``addr`` (Go < 1.18)."""
    hdr = elf.read_vaddr(addr, 2 * ptr_size)
    data_addr = int.from_bytes(hdr[:ptr_size], order)
    length = int.from_bytes(hdr[ptr_size:], order)
    if length > _MAX_STRING:
        return b""
    return elf.read_vaddr(data_addr, length) if length else b""


def parse_modinfo(go_version: str, text: str) -> BuildInfo:
    """Parse the module text (``path``/``mod``/``dep``/``=>``/``build`` lines) as Go does.

    Unlike Go, a malformed line does not fail the whole text: it is noted in ``problems`` and
    the rest is kept, so a scan still reports what can be read.
    """
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    problems: list[str] = []
    last: str | None = None  # "main" or "dep": what a "=>" line replaces
    for number, line in enumerate(text.split("\n")[:-1], 1):
        kind, _, rest = line.partition("\t")
        if kind == "path":
            path = rest
        elif kind in ("mod", "dep"):
            elem = rest.split("\t")
            if len(elem) not in (2, 3):
                problems.append(f"line {number}: expected 2 or 3 columns, got {len(elem)}")
                last = None
                continue
            module = Module(elem[0], elem[1], elem[2] if len(elem) == 3 else "")
            if kind == "mod":
                main, last = module, "main"
            else:
                deps.append(module)
                last = "dep"
        elif kind == "=>":
            elem = rest.split("\t")
            if len(elem) != 3 or last is None:
                problems.append(f"line {number}: replacement without a module or of wrong shape")
                continue
            replacement = Module(elem[0], elem[1], elem[2])
            if last == "main" and main is not None:
                main = Module(main.path, main.version, main.sum, replacement)
            else:
                old = deps[-1]
                deps[-1] = Module(old.path, old.version, old.sum, replacement)
            last = None
        elif kind == "build":
            setting = _build_setting(rest)
            if setting is None:
                problems.append(f"line {number}: malformed build setting")
            else:
                settings.append(setting)
    return BuildInfo(
        go_version=go_version,
        path=path,
        main=main,
        deps=tuple(deps),
        settings=tuple(settings),
        problems=tuple(problems),
    )


def _build_setting(kv: str) -> tuple[str, str] | None:
    """``key=value`` of a build line; either side may be a quoted Go string."""
    try:
        if kv[:1] in ('"', "`"):
            end = _quoted_prefix_end(kv)
            key, raw = go_unquote(kv[:end]), kv[end:]
            if not raw.startswith("="):
                return None
            raw = raw[1:]
        else:
            key, eq, raw = kv.partition("=")
            if not eq or not key:
                return None
        value = go_unquote(raw) if raw[:1] in ('"', "`") else raw
    except ValueError:
        return None
    return key, value


def _quoted_prefix_end(text: str) -> int:
    """The length of the quoted Go string at the start of ``text``."""
    quote = text[0]
    i = 1
    while i < len(text):
        if text[i] == "\\" and quote == '"':
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    raise ValueError("unterminated quoted string")


# -- the main module's version stamped with -ldflags "-X ...version=..." --------------------

_DEFAULT_PREFIXES = frozenset({"main", "common", "version", "cmd"})


def ldflags_version(module_path: str, ldflags: str) -> str:
    """The version set by ``-X <pkg>.version=<semver>`` in ``-ldflags``, as Trivy picks it.

    Keys ending in ``.version`` or ``.ver`` whose value is a semantic version count; the first
    non-empty group wins, in order: keys under ``<module>/cmd/``, keys whose package is
    ``main``, ``common``, ``version`` or ``cmd``, any other key. A group with more than one
    version is ambiguous and gives "".
    """
    try:
        args = shlex.split(ldflags)
    except ValueError:
        return ""
    assignments: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        flag = arg.lstrip("-")
        if not arg.startswith("-") or not flag.startswith("X") or len(arg) - len(flag) > 2:
            continue
        value = flag[1:]
        if value.startswith("="):
            value = value[1:]
        elif not value and i < len(args):
            value, i = args[i], i + 1
        key, eq, val = value.partition("=")
        if eq:
            assignments[key.lstrip("'")] = val.rstrip("'")
    groups: tuple[list[str], list[str], list[str]] = ([], [], [])
    for key, val in assignments.items():
        lowered = key.lower()
        if not (lowered.endswith(".version") or lowered.endswith(".ver")):
            continue
        if not (is_go_semver(val) or is_go_semver("v" + val)):
            continue
        if key.startswith(module_path + "/cmd/"):
            groups[0].append(val)
        elif _version_prefix(key) in _DEFAULT_PREFIXES:
            groups[1].append(val)
        else:
            groups[2].append(val)
    for found in groups:
        if found:
            return found[0] if len(found) == 1 else ""
    return ""


def _version_prefix(key: str) -> str:
    """The package part of an -X key: ``github.com/x/y/cmd/app.ver`` gives ``app``."""
    slash = key.rfind("/")
    if slash > 0:
        key = key[slash + 1 :]
    return key.partition(".")[0].lower()


def is_go_semver(version: str) -> bool:
    """Whether ``version`` is valid for golang.org/x/mod/semver (``v`` prefix, shorthands)."""
    if not version.startswith("v"):
        return False
    main, plus, build = version[1:].partition("+")
    core, dash, pre = main.partition("-")
    parts = core.split(".")
    if not 1 <= len(parts) <= 3 or not all(_is_num(p) for p in parts):
        return False
    if (dash or plus) and len(parts) != 3:
        return False
    if dash and not all(_is_ident(p) and (not p.isdigit() or _is_num(p)) for p in pre.split(".")):
        return False
    return not plus or all(_is_ident(p) for p in build.split("."))


def _is_num(part: str) -> bool:
    return part.isascii() and part.isdigit() and (part == "0" or not part.startswith("0"))


def _is_ident(part: str) -> bool:
    return bool(part) and part.isascii() and all(c.isalnum() or c == "-" for c in part)
