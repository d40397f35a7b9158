"""Debian packages from the dpkg database, and the files each package owns.

Reads ``var/lib/dpkg/status`` (the whole database in one file), ``var/lib/dpkg/status.d/<pkg>``
(distroless images: one stanza file per package, with ``<pkg>.md5sums`` beside it) and the
per-package file lists ``var/lib/dpkg/info/<pkg>.{list,md5sums,conffiles}``. The file lists
become `FileResult.owned_files`, keyed by package name, so the merge can drop language packages
that an OS package installed (Debian's ``python3-*`` site-packages, for instance).

The status parser is hand-written rather than a general RFC 822 reader: it looks only at the
five fields a scan needs and skips continuation lines unread, which keeps a 100-package status
file around a millisecond.
"""

from __future__ import annotations

import re
from typing import IO

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerKind,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    PackageType,
)

__all__ = ["ANALYZERS", "DpkgAnalyzer", "parse_owned_files", "parse_status"]

DPKG_DIR = "var/lib/dpkg/"
STATUS_FILE = DPKG_DIR + "status"
STATUS_DIR = DPKG_DIR + "status.d/"
INFO_DIR = DPKG_DIR + "info/"

# info/ files that list what a package installed.
_OWNERSHIP_SUFFIXES = (".list", ".md5sums", ".conffiles")
# Maintainer scripts and other control files that distroless images put in status.d beside
# the stanza files; none of them holds a package stanza.
_CONTROL_SUFFIXES = (
    ".conffiles",
    ".config",
    ".list",
    ".postinst",
    ".postrm",
    ".preinst",
    ".prerm",
    ".shlibs",
    ".symbols",
    ".templates",
    ".triggers",
)
_FIELDS = frozenset({"Package", "Status", "Version", "Architecture", "Source"})
# dpkg package states (third word of Status) in which the package's files are on disk. The
# first word (the selection: install/hold/deinstall/purge) is only what was asked for: a
# "deinstall ok installed" package is still fully present, a "... config-files" one is not.
_PRESENT_STATES = frozenset(
    {"installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending"}
)
# Debian policy 5.6.12: [epoch:]upstream[-revision], upstream starting with an alphanumeric.
_VERSION = re.compile(r"(?:[0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*")
_MAX_LISTED = 10
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def _valid_version(version: str) -> bool:
    return _VERSION.fullmatch(version) is not None and not version.endswith("-")


def _package(fields: dict[str, str], path: str, rejected: list[str]) -> Package | None:
    """The package a stanza describes, None when its files are not on disk or it is broken
    (then a short note on why goes to ``rejected``)."""
    name = fields["Package"]
    status = fields.get("Status")
    if status is not None and status.rpartition(" ")[2] not in _PRESENT_STATES:
        return None
    version = fields.get("Version", "")
    if not _valid_version(version):
        rejected.append(f"{name} (version {version!r})" if version else f"{name} (no version)")
        return None
    source_name, source_version = name, version
    source = fields.get("Source", "")
    if source:
        # "gcc-12 (12.2.0-14)": a binNMU or other rebuild names its source version.
        source_name, _, rest = source.partition(" ")
        rest = rest.strip()
        if rest.startswith("(") and rest.endswith(")"):
            source_version = rest[1:-1].strip()
            if not _valid_version(source_version):
                rejected.append(f"{name} (source version {source_version!r})")
                return None
    return Package(
        type=PackageType.DEB,
        name=name,
        version=version,
        found_in=path,
        arch=fields.get("Architecture", ""),
        source_name=source_name,
        source_version=source_version,
    )


def parse_status(text: str, path: str) -> tuple[list[Package], list[str]]:
    """The packages present on disk according to a dpkg status (or status.d) file.

    Stanzas whose Status says the files are gone (``config-files``, ``not-installed``,
    ``half-installed``) are skipped silently; stanzas without a name or with a version dpkg
    would reject are skipped and summed up in one warning each. A stanza without Status
    (hand-written status.d entries) counts as installed.
    """
    packages: list[Package] = []
    rejected: list[str] = []
    recovered: list[str] = []
    nameless = 0
    fields: dict[str, str] = {}
    bare_name = ""
    for line in (*text.split("\n"), ""):
        first = line[:1]
        if first in (" ", "\t") and not line.isspace():
            continue  # a continuation line of a field we never need
        if first and not line.isspace():
            key, sep, value = line.partition(":")
            if sep and key in _FIELDS:
                fields[key] = value.strip()
            elif not sep and not fields and _PACKAGE_NAME.fullmatch(line.strip()):
                # Some image builders write the name alone, without "Package: ". dpkg would
                # refuse the file, but the stanza is otherwise whole: keep it, and say so.
                bare_name = line.strip()
            continue
        if not fields:
            continue
        if not fields.get("Package") and bare_name and "Version" in fields:
            fields["Package"] = bare_name
            recovered.append(bare_name)
        if fields.get("Package"):
            pkg = _package(fields, path, rejected)
            if pkg is not None:
                packages.append(pkg)
        else:
            nameless += 1
        fields = {}
        bare_name = ""
    warnings = []
    if rejected:
        shown = ", ".join(rejected[:_MAX_LISTED])
        more = f" and {len(rejected) - _MAX_LISTED} more" if len(rejected) > _MAX_LISTED else ""
        warnings.append(f"{path}: skipped package(s) with a bad version: {shown}{more}")
    if nameless:
        warnings.append(f"{path}: skipped {nameless} stanza(s) without a Package name")
    if recovered:
        shown = ", ".join(recovered[:_MAX_LISTED])
        warnings.append(
            f"{path}: stanza(s) without a 'Package:' field, named by their first line: {shown}"
        )
    if not packages and not warnings and text.strip():
        warnings.append(f"{path}: no package stanzas found")
    return packages, warnings


def parse_owned_files(text: str, kind: str) -> tuple[str, ...]:
    """The file paths (relative to the image root) in a ``.list``, ``.md5sums`` or
    ``.conffiles`` file.

    ``.list`` files name every directory a package touches as well as its files; a directory
    is recognised as an ancestor of another entry and dropped. ``.md5sums`` lines are
    ``<md5>  <path>``; ``.conffiles`` lines may carry a flag before the path
    (``remove-on-upgrade /etc/foo``).
    """
    paths: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if kind == ".md5sums":
            parts = line.split(None, 1)
            line = parts[1] if len(parts) == 2 else ""
        elif kind == ".conffiles" and not line.startswith("/"):
            slash = line.find(" /")
            line = line[slash + 1 :] if slash >= 0 else ""
        line = line.strip().lstrip("/")
        if line and line != ".":
            paths.append(line)
    if kind == ".list":
        directories: set[str] = set()
        for entry in paths:
            parent = entry.rpartition("/")[0]
            while parent and parent not in directories:
                directories.add(parent)
                parent = parent.rpartition("/")[0]
        paths = [p for p in paths if p not in directories]
    return tuple(paths)


def _package_of(file_name: str, suffix: str) -> str:
    """``libc6:amd64.list`` -> ``libc6``: multi-arch packages carry their architecture."""
    return file_name.removesuffix(suffix).partition(":")[0]


class DpkgAnalyzer(Analyzer):
    """dpkg status, status.d and info file lists."""

    name = "dpkg"
    kind = AnalyzerKind.OS
    version = 1

    def wants(self, path: str, meta: FileMeta) -> bool:
        if not path.startswith(DPKG_DIR):
            return False
        if path == STATUS_FILE:
            return True
        if path.startswith(STATUS_DIR):
            rest = path[len(STATUS_DIR) :]
            return "/" not in rest and (
                rest.endswith(".md5sums") or not rest.endswith(_CONTROL_SUFFIXES)
            )
        if path.startswith(INFO_DIR):
            rest = path[len(INFO_DIR) :]
            return "/" not in rest and rest.endswith(_OWNERSHIP_SUFFIXES)
        return False

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        text = body.read().decode("utf-8", errors="replace")
        file_name = path.rpartition("/")[2]
        suffix = next((s for s in _OWNERSHIP_SUFFIXES if file_name.endswith(s)), "")
        if suffix and (path.startswith(INFO_DIR) or suffix == ".md5sums"):
            owned = parse_owned_files(text, suffix)
            return FileResult(owned_files=((_package_of(file_name, suffix), owned),))
        packages, warnings = parse_status(text, path)
        return FileResult(packages=tuple(packages), warnings=tuple(warnings))


ANALYZERS: list[Analyzer] = [DpkgAnalyzer()]
