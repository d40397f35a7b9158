"""Go build info: both binary layouts in both ELF classes and byte orders, and its pieces."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Literal

import pytest

from hullscan.inventory.golang.binary import (
    GoBinaryAnalyzer,
    build_info_packages,
    stdlib_version,
)
from hullscan.inventory.golang.buildinfo import (
    MAGIC,
    is_go_semver,
    ldflags_version,
    parse_modinfo,
)
from hullscan.inventory.golang.common import go_purl, go_unquote
from hullscan.inventory.interface import AnalyzerOptions, FileResult

from .test_elf import build_elf
from .test_golang import package_view

BINARY = GoBinaryAnalyzer()
OPTIONS = AnalyzerOptions()


_MODINFO = (
    "path\texample.com/app\n"
    "mod\texample.com/app\tv1.2.3\th1:a=\n"
    "dep\tgolang.org/x/text\tv0.3.7\th1:b=\n"
    "=>\tgolang.org/x/text\tv0.3.8\th1:c=\n"
    "build\tGOARCH=arm\n"
)


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def _build_info_blob(
    version: str, ptr_size: int, big_endian: bool, inline: bool, lead: bytes
) -> Callable[[int], bytes]:
    """A ``.go.buildinfo`` body as Go's linker lays it out, after ``lead`` junk bytes."""
    ver = version.encode()
    framed = b"\x30" * 16 + _MODINFO.encode() + b"\xf9" * 16
    flags = (2 if inline else 0) | (1 if big_endian else 0)

    def body(addr: int) -> bytes:
        header = lead + MAGIC + bytes([ptr_size, flags])
        if inline:
            return header + bytes(16) + _uvarint(len(ver)) + ver + _uvarint(len(framed)) + framed
        order: Literal["little", "big"] = "big" if big_endian else "little"

        def ptr(n: int) -> bytes:
            return n.to_bytes(ptr_size, order)

        start = addr + len(lead) + 32  # the two string headers follow the 32-byte header
        ver_at, mod_at = start + 4 * ptr_size, start + 4 * ptr_size + len(ver)
        header += ptr(start) + ptr(start + 2 * ptr_size)
        header += bytes(len(lead) + 32 - len(header))
        return header + ptr(ver_at) + ptr(len(ver)) + ptr(mod_at) + ptr(len(framed)) + ver + framed

    return body


@pytest.mark.parametrize("inline", [True, False], ids=["go1.18+", "go1.13-1.17"])
@pytest.mark.parametrize("elf_class", [1, 2], ids=["elf32", "elf64"])
@pytest.mark.parametrize("big_endian", [False, True], ids=["le", "be"])
def test_build_info_formats(inline: bool, elf_class: int, big_endian: bool) -> None:
    # An unaligned magic first: Go's reader (and ours) only accept a 16-byte aligned header.
    lead = (b"\0\0\0" + MAGIC).ljust(32, b"\0")
    blob = _build_info_blob("go1.17.13", 4 * elf_class, big_endian, inline, lead)
    data = build_elf([(".go.buildinfo", blob), (".noptrdata", b"x" * 64)], elf_class, big_endian)
    result = BINARY.analyze("usr/bin/app", io.BytesIO(data), OPTIONS)
    assert result.warnings == ()
    assert [package_view(p) for p in result.packages] == [
        ("example.com/app", "v1.2.3", "root"),
        ("stdlib", "1.17.13", "direct"),
        ("golang.org/x/text", "v0.3.8", "unknown"),
    ]
    assert result.packages[2].extra_value("replaces") == "golang.org/x/text@v0.3.7"


def test_build_info_pointing_outside_the_file_warns() -> None:
    def body(addr: int) -> bytes:
        return MAGIC + bytes([8, 0]) + (0x7FFF0000).to_bytes(8, "little") * 2

    data = build_elf([(".go.buildinfo", body)])
    result = BINARY.analyze("usr/bin/app", io.BytesIO(data), OPTIONS)
    assert result.packages == ()
    assert result.warnings == (
        "usr/bin/app: address 0x7fff0000+16 is outside the loadable segments",
    )


def test_elf_without_build_info_is_quiet() -> None:
    data = build_elf([(".data", b"no magic here" * 10)], 1, True)
    assert BINARY.analyze("usr/bin/app", io.BytesIO(data), OPTIONS) == FileResult()


# --- pieces -----------------------------------------------------------------------


def test_parse_modinfo_replacements_and_bad_lines() -> None:
    text = (
        "path\tex.com/cmd/app\n"
        "mod\tex.com\t(devel)\t\n"
        "dep\tgithub.com/a/b\tv1.0.0\th1:x=\n"
        "=>\tgithub.com/fork/b\tv1.0.1\th1:y=\n"
        "dep\tgithub.com/c/d\tv0.1.0\n"
        "=>\t../local\t(devel)\t\n"
        "dep\tonly-one-column\n"
        "=>\tnothing to replace\n"
        'build\t-ldflags="-s -w -X \\"main.Version=1.2.3\\""\n'
        "build\tbroken\n"
    )
    info = parse_modinfo("go1.22.0", text)
    assert info.path == "ex.com/cmd/app"
    assert info.main is not None and info.main.version == "(devel)"
    assert [(d.path, d.replace.path if d.replace else None) for d in info.deps] == [
        ("github.com/a/b", "github.com/fork/b"),
        ("github.com/c/d", "../local"),
    ]
    assert info.setting("-ldflags") == '-s -w -X "main.Version=1.2.3"'
    assert len(info.problems) == 3
    views = [package_view(p) for p in build_info_packages(info, "app")]
    assert views == [
        ("ex.com", "1.2.3", "root"),
        ("stdlib", "1.22.0", "direct"),
        ("github.com/fork/b", "v1.0.1", "unknown"),
        ("../local", "", "unknown"),
    ]


@pytest.mark.parametrize(
    ("ldflags", "want"),
    [
        ("-X main.version=v1.0.0", "v1.0.0"),
        ("-s -w -X=main.version=1.0.0", "1.0.0"),
        ("-X 'main.version=1.2.3'", "1.2.3"),
        ("-X github.com/x/y/cmd/tool.Version=2.0.0 -X main.version=1.0.0", "2.0.0"),
        ("-X github.com/other/pkg/version.ver=3.0.0", "3.0.0"),
        ("-X github.com/other/pkg/build.Version=3.1.0", "3.1.0"),
        ("-X main.version=1.0.0 -X common.version=2.0.0", ""),
        ("-X main.version=dev", ""),
        ("-X main.commit=v1.0.0", ""),
        ("-X 'main.version=1.0.0", ""),
        ("", ""),
    ],
)
def test_ldflags_version(ldflags: str, want: str) -> None:
    assert ldflags_version("github.com/x/y", ldflags) == want


@pytest.mark.parametrize(
    ("version", "valid"),
    [
        ("v1", True),
        ("v1.2", True),
        ("v1.2.3", True),
        ("v1.2.3-rc.1+build.5", True),
        ("v0.0.0-20210121094942-22b2f8951d46", True),
        ("1.2.3", False),
        ("v1.2-rc", False),
        ("v01.2.3", False),
        ("v1.2.3-01", False),
        ("v1.2.3+", False),
    ],
)
def test_is_go_semver(version: str, valid: bool) -> None:
    assert is_go_semver(version) is valid


@pytest.mark.parametrize(
    ("toolchain", "want"),
    [
        ("go1.19.8", "1.19.8"),
        ("go1.20", "1.20.0"),
        ("go1.21rc2", "1.21.0-rc.2"),
        ("go1.9.2rc2", "1.9.2-rc.2"),
        ("go1.22.3 X:boringcrypto", "1.22.3"),
        ("devel go1.23-abcdef Tue Jan 1", ""),
    ],
)
def test_stdlib_version(toolchain: str, want: str) -> None:
    assert stdlib_version(toolchain) == want


def test_go_unquote_and_purl() -> None:
    assert go_unquote('"a\\tb\\"c\\u00e9€"') == 'a\tb"cé€'
    assert go_unquote("`raw\\n`") == "raw\\n"
    for bad in ('"a', '"a"b"', "x", '"\\'):
        with pytest.raises(ValueError):
            go_unquote(bad)
    assert go_purl("github.com/BurntSushi/toml", "v0.3.1") == (
        "pkg:golang/github.com/burntsushi/toml@v0.3.1"
    )
    assert go_purl("stdlib", "") == "pkg:golang/stdlib"
    assert go_purl("/", "v1") == ""
