"""Walking a Java archive and the archives nested in it, within fixed resource bounds.

A jar is a zip file from an untrusted image, so everything read from it is bounded: metadata
members by size, nested archives by depth, and all decompression of one top-level file by a
budget proportional to its compressed size (a member that inflates far beyond that, or at a
ratio no real jar reaches, is a zip bomb and is skipped). Nested archives are read into memory
while the memory bound allows it and into an anonymous temporary file past it. Every problem is
a warning naming the member; the rest of the archive is still read.
"""

from __future__ import annotations

import io
import logging
import posixpath
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import replace
from typing import IO

from hullscan.inventory.interface import AnalyzerOptions
from hullscan.inventory.java.metadata import (
    Artifact,
    Manifest,
    artifact_from_file_name,
    parse_manifest,
    parse_pom_properties,
    parse_pom_xml,
    pom_coordinates,
)
from hullscan.inventory.java.mvnversion import maven_equal
from hullscan.inventory.java.names import is_java_archive

__all__ = ["MAX_DEPTH", "ArchiveWalk"]

log = logging.getLogger(__name__)

# Trivy's set: jar, war, ear, plus JBoss .sar, Jenkins .jpi/.hpi and .par archives.
MAX_DEPTH = 10
# Real manifests, pom.xml and pom.properties are kilobytes; a few MiB leaves ample room.
MAX_METADATA_BYTES = 4 * 1024 * 1024
# Deflate tops out near 1032:1; class files and nested jars stay under 10:1. Members this
# compressible and this large are bombs, not code.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1024 * 1024
# All members of one top-level file together may inflate to this much, plus this multiple
# of its compressed size.
BUDGET_FLOOR = 64 * 1024 * 1024
BUDGET_RATIO = 20
_CHUNK = 1024 * 1024

# What zipfile and zlib raise for corrupt, truncated, encrypted or unsupported content.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


class ArchiveWalk:
    """One top-level archive's scan: its budgets and the warnings collected on the way."""

    def __init__(self, options: AnalyzerOptions, compressed_size: int) -> None:
        self.warnings: list[str] = []
        self._inflate_left = BUDGET_FLOOR + BUDGET_RATIO * compressed_size
        self._memory_left = options.max_archive_memory

    def scan(self, path: str, body: IO[bytes], depth: int = 0) -> list[Artifact]:
        """The artifacts in the archive ``body`` shown at ``path`` and in those nested in it."""
        try:
            # LIMITATION: zipfile holds every central-directory entry (~0.5 KiB each) in memory;
            # the entry count is not bounded before it is read.
            archive = zipfile.ZipFile(body)
        except _ZIP_ERRORS as err:
            self._warn(f"{path}: not a readable zip archive ({err})")
            return []
        with archive:
            return self._scan_members(path, archive, depth)

    def _scan_members(self, path: str, archive: zipfile.ZipFile, depth: int) -> list[Artifact]:
        found: list[Artifact] = []
        poms: dict[tuple[str, str], Artifact] = {}
        with_properties: set[tuple[str, str]] = set()
        manifest: Manifest | None = None
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            base = posixpath.basename(name)
            if base == "pom.properties":
                if (text := self._read_text(path, archive, info)) is None:
                    continue
                if coordinates := pom_coordinates(name):
                    with_properties.add(coordinates)
                artifact = parse_pom_properties(text, path)
                if artifact.valid():
                    found.append(artifact)
            elif base == "pom.xml" and (coordinates := pom_coordinates(name)):
                if (data := self._read(path, archive, info)) is None:
                    continue
                try:
                    poms[coordinates] = parse_pom_xml(data, path, coordinates)
                except ValueError as err:
                    self._warn(f"{path}/{name}: {err}")
            elif name == "META-INF/MANIFEST.MF":
                if (text := self._read_text(path, archive, info)) is not None:
                    manifest = parse_manifest(text)
            elif is_java_archive(base):
                found.extend(self._scan_nested(path, archive, info, depth))
        # A pom.xml is a source of its own only where Maven wrote no pom.properties beside it.
        found.extend(
            pom for key, pom in poms.items() if key not in with_properties and pom.valid()
        )
        pom_licenses = {pom.name: pom.licenses for pom in poms.values() if pom.licenses}
        found = [
            replace(a, licenses=pom_licenses[a.name])
            if not a.licenses and a.name in pom_licenses
            else a
            for a in found
        ]
        found.extend(_own_artifact(path, found, manifest))
        if manifest is not None:
            found = _attach_to_owner(found, path, manifest.licenses())
        return found

    def _scan_nested(
        self, path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int
    ) -> list[Artifact]:
        member = posixpath.normpath(info.filename)
        child = f"{path}/{member}"
        if member.startswith(("../", "/")) or member == "..":
            self._warn(f"{child}: member path leaves the archive; skipped")
            return []
        if depth >= MAX_DEPTH:
            self._warn(f"{child}: nested more than {MAX_DEPTH} archives deep; not opened")
            return []
        if not self._affordable(child, info):
            return []
        in_memory = info.file_size <= self._memory_left
        if in_memory:
            self._memory_left -= info.file_size
        try:
            with _extract(archive, info, in_memory) as body:
                return self.scan(child, body, depth + 1)
        except _ZIP_ERRORS as err:
            self._warn(f"{child}: unreadable zip member ({err})")
            return []
        finally:
            if in_memory:
                self._memory_left += info.file_size

    def _affordable(self, where: str, info: zipfile.ZipInfo) -> bool:
        """Charge a member's inflated size to the budget, or warn why it is skipped.

        zipfile never inflates past the size the central directory declares, so charging the
        declared size bounds what is really read even when the header lies.
        """
        size = info.file_size
        if size >= BOMB_MIN_BYTES and size > BOMB_RATIO * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            self._warn(
                f"{where}: suspected zip bomb ({size} bytes from {info.compress_size}, "
                f"ratio {ratio}:1); skipped"
            )
            return False
        if size > self._inflate_left:
            self._warn(f"{where}: inflating {size} bytes would exceed the archive budget; skipped")
            return False
        self._inflate_left -= size
        return True

    def _read(self, path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
        where = f"{path}/{info.filename}"
        if info.file_size > MAX_METADATA_BYTES:
            self._warn(f"{where}: {info.file_size} bytes is too large for a metadata file")
            return None
        if not self._affordable(where, info):
            return None
        try:
            with archive.open(info) as src:
                return src.read(MAX_METADATA_BYTES)
        except _ZIP_ERRORS as err:
            self._warn(f"{where}: unreadable zip member ({err})")
            return None

    def _read_text(self, path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
        data = self._read(path, archive, info)
        return None if data is None else data.decode("utf-8", errors="replace")

    def _warn(self, message: str) -> None:
        log.debug("%s", message)
        self.warnings.append(message)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, in_memory: bool) -> IO[bytes]:
    """A nested archive as a seekable file: in memory, or in an anonymous temporary file."""
    with archive.open(info) as src:
        if in_memory:
            # A bounded read: read() with no size inflates all the input in one call.
            return io.BytesIO(src.read(info.file_size))
        spill = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the caller closes it
        try:
            shutil.copyfileobj(src, spill, _CHUNK)
        except BaseException:
            spill.close()
            raise
        spill.seek(0)
        return spill


def _own_artifact(path: str, found: list[Artifact], manifest: Manifest | None) -> list[Artifact]:
    """The archive's own artifact when no pom.properties/pom.xml of this archive is it.

    A packed descriptor is the archive's own when its artifactId and version are the file
    name's (Trivy's rule), or when the manifest's title and version name it (``Gizmo`` 1.1 is
    ``io.quarkus.gizmo:gizmo`` 1.1): the manifest then describes an artifact already found,
    and reading it again would add a duplicate under a vendor name instead of a group.
    Otherwise the manifest, then the file name, identify the archive.
    """
    by_name = artifact_from_file_name(path)
    described = manifest.artifact(path) if manifest is not None else None
    for artifact in found:
        if artifact.found_in != path:
            continue
        if artifact.artifact == by_name.artifact and maven_equal(
            artifact.version, by_name.version
        ):
            return []
        if (
            described is not None
            and described.version
            and maven_equal(artifact.version, described.version)
            and _simplified(described.artifact) == _simplified(artifact.artifact)
        ):
            return []
    if described is not None and described.valid():
        return [described]
    if by_name.artifact and by_name.version:
        return [by_name]
    return []


def _simplified(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _attach_to_owner(
    found: list[Artifact], path: str, licenses: tuple[str, ...]
) -> list[Artifact]:
    """Give manifest licenses to the archive's own artifact, when exactly one is this file's."""
    if not licenses:
        return found
    owners = [i for i, a in enumerate(found) if a.found_in == path]
    if len(owners) != 1 or found[owners[0]].licenses:
        return found
    found = list(found)
    found[owners[0]] = replace(found[owners[0]], licenses=licenses)
    return found
