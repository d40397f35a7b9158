"""Red Hat family, SUSE and Mariner packages from the rpm database.

rpm has stored its database three ways: a Berkeley DB hash file (``Packages``, up to
RHEL 8), its own "ndb" format (``Packages.db``, SUSE) and SQLite (``rpmdb.sqlite``, Fedora 33+,
RHEL 9, Mariner 2), under ``var/lib/rpm`` or ``usr/lib/sysimage/rpm``. Each backend module
yields the per-package header blobs; `header.parse_header` reads them. No rpm binary or
librpm is needed.

``Package.version`` is ``[epoch:]version-release``; the source package comes from the
SOURCERPM tag (``name-version-release.src.rpm``) and carries the binary's epoch, since all
subpackages of a spec share it and the file name drops it.
"""

from __future__ import annotations

from typing import IO

from hullscan.errors import InventoryError
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerKind,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    PackageType,
)
from hullscan.inventory.rpm.bdb import read_bdb
from hullscan.inventory.rpm.header import RpmHeader, parse_header
from hullscan.inventory.rpm.ndb import read_ndb
from hullscan.inventory.rpm.sqlite import read_sqlite

__all__ = ["ANALYZERS", "RpmAnalyzer", "package_of", "read_database"]

_READERS = {"Packages": read_bdb, "Packages.db": read_ndb, "rpmdb.sqlite": read_sqlite}
RPMDB_PATHS = frozenset(
    f"{folder}/{name}" for folder in ("var/lib/rpm", "usr/lib/sysimage/rpm") for name in _READERS
)
# Public keys imported with `rpm --import` are stored as pseudo-packages; they install nothing.
_PSEUDO_PACKAGES = frozenset({"gpg-pubkey"})


def _source(header: RpmHeader) -> tuple[str, str]:
    """(name, [epoch:]version-release) of the source rpm, or the binary's own when unknown."""
    stem = header.source_rpm.removesuffix(".rpm").removesuffix(".src").removesuffix(".nosrc")
    parts = stem.rsplit("-", 2)
    if stem == header.source_rpm or len(parts) != 3 or not all(parts):
        return header.name, header.evr
    epoch = f"{header.epoch}:" if header.epoch is not None else ""
    return parts[0], f"{epoch}{parts[1]}-{parts[2]}"


def package_of(header: RpmHeader, path: str) -> Package:
    """The Package for one parsed header found in the database at ``path``."""
    source_name, source_version = _source(header)
    extra = tuple(
        (key, value)
        for key, value in (("vendor", header.vendor), ("modularitylabel", header.modularity_label))
        if value
    )
    return Package(
        type=PackageType.RPM,
        name=header.name,
        version=header.evr,
        found_in=path,
        arch=header.arch,
        source_name=source_name,
        source_version=source_version,
        licenses=(header.license,) if header.license else (),
        extra=extra,
    )


def read_database(path: str, body: IO[bytes]) -> tuple[list[RpmHeader], list[str]]:
    """The parsed headers of the rpm database at ``path`` (its backend chosen by file name),
    and warnings: damage skips records or ends the read early, it never raises."""
    headers: list[RpmHeader] = []
    bad: list[str] = []
    warnings: list[str] = []
    try:
        for blob in _READERS[path.rpartition("/")[2]](body):
            if isinstance(blob, InventoryError):
                bad.append(str(blob))
                continue
            try:
                headers.append(parse_header(blob))
            except InventoryError as error:
                bad.append(str(error))
    except InventoryError as error:
        warnings.append(
            f"{path}: corrupt rpm database ({error}); read {len(headers)} package(s) before it"
        )
    if bad:
        warnings.append(f"{path}: skipped {len(bad)} unreadable package header(s): {bad[0]}")
    return headers, warnings


class RpmAnalyzer(Analyzer):
    """The rpm database in any of its three formats."""

    name = "rpm"
    file_names = frozenset(_READERS)
    kind = AnalyzerKind.OS
    version = 2  # 2: damaged databases are marked, so the scan does not pass on them
    max_size = 1024 * 1024 * 1024
    needs_seek = True

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path in RPMDB_PATHS

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        headers, warnings = read_database(path, body)
        kept = [h for h in headers if h.name not in _PSEUDO_PACKAGES]
        return FileResult(
            packages=tuple(package_of(h, path) for h in kept),
            owned_files=tuple(
                (h.name, tuple(f.lstrip("/") for f in h.files)) for h in kept if h.files
            ),
            warnings=tuple(warnings),
            # Every warning here is damage: a record skipped or the read ended early.
            damaged=warnings[0] if warnings else "",
        )


ANALYZERS: list[Analyzer] = [RpmAnalyzer()]
