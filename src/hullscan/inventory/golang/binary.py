"""Go modules compiled into ELF executables, from their embedded build info.

Reported, as Trivy does: the main module (``root``; a ``(devel)`` version is empty unless
``-ldflags -X ...version=<semver>`` stamps one), the Go toolchain as ``stdlib`` (``direct``)
and every dependency with its ``=>`` replacement applied (``unknown``).

``stdlib`` is versioned as the Go vulnerability database versions it (``go1.19.8`` gives
``1.19.8``, ``go1.21rc2`` gives ``1.21.0-rc.2``), so the matcher compares like with like; its
purl carries the ``v`` that Go module versions have (``pkg:golang/stdlib@v1.19.8``).
"""

from __future__ import annotations

import re
from typing import IO

from hullscan.inventory.elf import ELF_MAGIC, ElfError, ElfFile
from hullscan.inventory.golang.buildinfo import BuildInfo, ldflags_version, read_build_info
from hullscan.inventory.golang.common import go_package
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    Relationship,
)

__all__ = ["MAX_BINARY_SIZE", "MIN_BINARY_SIZE", "GoBinaryAnalyzer", "stdlib_version"]

MIN_BINARY_SIZE = 1024
MAX_BINARY_SIZE = 256 * 1024 * 1024
_EXEC_BITS = 0o111
_GO_TAG = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?")


def stdlib_version(go_version: str) -> str:
    """The semantic version of a toolchain name such as ``go1.22.3 X:boringcrypto``.

    "" for a development toolchain (``devel go1.23-abcdef ...``), which names no release.
    """
    tag = go_version.partition(" ")[0].removeprefix("go")
    match = _GO_TAG.fullmatch(tag)
    if match is None:
        return ""
    major, minor, patch, pre, pre_number = match.groups()
    version = f"{major}.{minor}.{patch or '0'}"
    return f"{version}-{pre}.{pre_number}" if pre else version


def _known(version: str) -> str:
    """Go writes ``(devel)`` for a module built from a work tree: no version is known."""
    return "" if version == "(devel)" else version


def build_info_packages(info: BuildInfo, found_in: str) -> list[Package]:
    """The packages one binary's build info names."""
    packages: list[Package] = []
    main = info.main
    if main is not None and main.path:
        version = _known(main.version)
        stamped = ldflags_version(main.path, info.setting("-ldflags") or "")
        extra: tuple[tuple[str, str], ...] = ()
        # A VCS pseudo-version (v0.0.0-<date>-<hash>) is less telling than a stamped release.
        if stamped and (not version or version.startswith("v0.0.0")):
            version, extra = stamped, (("version_source", "ldflags"),)
        packages.append(go_package(main.path, version, found_in, Relationship.ROOT, extra))
    stdlib = stdlib_version(info.go_version)
    packages.append(
        go_package(
            "stdlib",
            stdlib,
            found_in,
            Relationship.DIRECT,  # the main module always uses the standard library
            extra=(("go_toolchain", info.go_version),),
            purl_version=f"v{stdlib}" if stdlib else "",
        )
    )
    for dep in info.deps:
        module = dep.replace or dep
        if not module.path:  # old toolchains list the main module as an empty dep
            continue
        replaced = (("replaces", f"{dep.path}@{dep.version}"),) if dep.replace else ()
        packages.append(
            go_package(
                module.path, _known(module.version), found_in, Relationship.UNKNOWN, replaced
            )
        )
    return packages


class GoBinaryAnalyzer(Analyzer):
    """Reads Go build info out of executable ELF files (never runs them).

    `wants` takes any executable-looking file (an exec bit, 1 KiB to 256 MiB): the ELF magic
    and the build info are checked in `analyze`, which reads only the headers, the section
    table and the build info bytes. A non-ELF or non-Go file gives an empty result; a
    truncated or corrupt ELF file gives a warning (this analyzer is the one that reports ELF
    damage; the Rust binary analyzer stays silent about it).
    """

    name = "go-binary"
    version = 1
    max_size = MAX_BINARY_SIZE
    needs_seek = True

    def wants(self, path: str, meta: FileMeta) -> bool:
        return bool(meta.mode & _EXEC_BITS) and MIN_BINARY_SIZE <= meta.size <= MAX_BINARY_SIZE

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        body.seek(0)
        # LIMITATION: ELF only; Go data in PE (Windows) or Mach-O (macOS) files is not read.
        if body.read(4) != ELF_MAGIC:
            return FileResult()
        warnings: list[str] = []
        try:
            elf = ElfFile.of(body)
            if elf.truncated:
                warnings.append(
                    f"{path}: truncated ELF: its tables reach byte {elf.declared_end()}, "
                    f"the file has {elf.file_size}"
                )
            info = read_build_info(elf)
        except ElfError as err:  # a truncation already noted is the cause: say it once
            return FileResult(warnings=tuple(warnings) or (f"{path}: {err}",))
        if info is None:
            return FileResult(warnings=tuple(warnings))
        warnings += [f"{path}: Go build info {problem}" for problem in info.problems]
        return FileResult(
            packages=tuple(build_info_packages(info, path)), warnings=tuple(warnings)
        )
