"""What every package analyzer produces and how the layer walk drives it.

An analyzer declares the files it needs (`wants`); the layer walk reads only those bodies, once,
from the layer stream, and hands each to `analyze`. Results are per file and per layer, so they
can be cached by layer diff_id and merged across layers afterwards (whiteouts, overwrites and the
layer that introduced each package are worked out in `hullscan.inventory.merge`).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import IO, Any


class Ecosystem(enum.StrEnum):
    """Package ecosystems, spelt as OSV spells them (OS ones take a release suffix later)."""

    DEBIAN = "Debian"
    UBUNTU = "Ubuntu"
    ALPINE = "Alpine"
    WOLFI = "Wolfi"
    REDHAT = "Red Hat"
    ROCKY = "Rocky Linux"
    ALMA = "AlmaLinux"
    SUSE = "SUSE"
    OPENSUSE = "openSUSE"
    MARINER = "Mariner"
    PYPI = "PyPI"
    NPM = "npm"
    GO = "Go"
    MAVEN = "Maven"
    RUBYGEMS = "RubyGems"
    CRATES = "crates.io"
    PACKAGIST = "Packagist"
    NUGET = "NuGet"


class PackageType(enum.StrEnum):
    """The package manager a package was found through (purl type follows from it)."""

    DEB = "deb"
    APK = "apk"
    RPM = "rpm"
    PYTHON = "python"
    NPM = "npm"
    GOLANG = "golang"
    JAVA = "java"
    GEM = "gem"
    CARGO = "cargo"
    COMPOSER = "composer"
    NUGET = "nuget"


class Relationship(enum.StrEnum):
    """How a package relates to the project that declares it, where the source says so."""

    ROOT = "root"
    DIRECT = "direct"
    INDIRECT = "indirect"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Package:
    """One installed or declared package.

    ``version`` is the full version string as the ecosystem writes it (epoch and release kept,
    e.g. ``1:2.36-9+deb12u4``); ``source_name``/``source_version`` are what distro advisories
    key on. ``layer`` is the diff_id of the layer that introduced the package and
    ``changed_layer`` the one that last changed it; both are filled in by the merge step, as is
    ``purl`` for OS packages (it needs the distro).
    """

    type: PackageType
    name: str
    version: str
    found_in: str
    ecosystem: str = ""
    arch: str = ""
    source_name: str = ""
    source_version: str = ""
    licenses: tuple[str, ...] = ()
    purl: str = ""
    layer: str = ""
    changed_layer: str = ""
    relationship: Relationship = Relationship.UNKNOWN
    dev: bool = False
    # Free-form facts a report or the matcher may use (e.g. maven group, go replace target).
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes two packages in the same file the same one across layers."""
        return (self.type.value, self.name, self.arch)

    def extra_value(self, key: str) -> str | None:
        """The value of one ``extra`` fact, or None."""
        for k, v in self.extra:
            if k == key:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (used by the layer cache and the JSON SBOM)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Package:
        """The inverse of `to_dict`."""
        return cls(
            type=PackageType(data["type"]),
            name=data["name"],
            version=data["version"],
            found_in=data["found_in"],
            ecosystem=data.get("ecosystem", ""),
            arch=data.get("arch", ""),
            source_name=data.get("source_name", ""),
            source_version=data.get("source_version", ""),
            licenses=tuple(data.get("licenses", ())),
            purl=data.get("purl", ""),
            layer=data.get("layer", ""),
            changed_layer=data.get("changed_layer", ""),
            relationship=Relationship(data.get("relationship", "unknown")),
            dev=bool(data.get("dev", False)),
            extra=tuple((k, v) for k, v in data.get("extra", ())),
        )


@dataclass(frozen=True)
class OSInfo:
    """The distribution an image is built on.

    ``family`` is the os-release ID (``debian``, ``alpine``, ``rhel``, ...), ``version`` its
    VERSION_ID (or the release file's version), ``codename`` VERSION_CODENAME where known.
    """

    family: str
    version: str = ""
    codename: str = ""
    name: str = ""
    id_like: tuple[str, ...] = ()
    pretty_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "version": self.version,
            "codename": self.codename,
            "name": self.name,
            "id_like": list(self.id_like),
            "pretty_name": self.pretty_name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OSInfo:
        return cls(
            family=data["family"],
            version=data.get("version", ""),
            codename=data.get("codename", ""),
            name=data.get("name", ""),
            id_like=tuple(data.get("id_like", ())),
            pretty_name=data.get("pretty_name", ""),
        )


@dataclass(frozen=True)
class FileMeta:
    """What the layer walk knows about a file before reading it."""

    path: str
    size: int
    mode: int
    # Files like dpkg's info/*.list are wanted in bulk; an analyzer can ask for small bodies only.


@dataclass(frozen=True)
class FileResult:
    """What one analyzer made of one file.

    ``os`` is set by OS-release analyzers; ``owned_files`` maps a package name to the paths it
    installs (dpkg ``info/*.list``), used to drop language packages an OS package owns.
    ``warnings`` are one-line notes naming the file and the problem; the scan goes on.
    ``damaged`` says why an OS package database could not be read whole: the packages it
    lists may be incomplete, and a scan that relied on them could pass an image it should not.
    """

    packages: tuple[Package, ...] = ()
    os: OSInfo | None = None
    owned_files: tuple[tuple[str, tuple[str, ...]], ...] = ()
    warnings: tuple[str, ...] = ()
    damaged: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "packages": [p.to_dict() for p in self.packages],
            "os": self.os.to_dict() if self.os else None,
            "owned_files": [[name, list(paths)] for name, paths in self.owned_files],
            "warnings": list(self.warnings),
            "damaged": self.damaged,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        return cls(
            packages=tuple(Package.from_dict(p) for p in data.get("packages", ())),
            os=OSInfo.from_dict(data["os"]) if data.get("os") else None,
            owned_files=tuple((n, tuple(p)) for n, p in data.get("owned_files", ())),
            warnings=tuple(data.get("warnings", ())),
            damaged=str(data.get("damaged", "")),
        )


@dataclass(frozen=True)
class Inventory:
    """What is installed in the final filesystem, each package with its layers and purl.

    Made by `hullscan.inventory.merge` from the layers' results, and cached whole by the
    image's layers so a rescan does not merge again.
    """

    os: OSInfo | None
    packages: tuple[Package, ...]
    warnings: tuple[str, ...] = ()
    # Why package databases of the final filesystem could not be read whole (FileResult).
    damaged: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "os": self.os.to_dict() if self.os else None,
            "packages": [p.to_dict() for p in self.packages],
            "warnings": list(self.warnings),
            "damaged": list(self.damaged),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inventory:
        return cls(
            os=OSInfo.from_dict(data["os"]) if data["os"] else None,
            packages=tuple(Package.from_dict(p) for p in data["packages"]),
            warnings=tuple(data["warnings"]),
            damaged=tuple(data["damaged"]),
        )


@dataclass(frozen=True)
class AnalyzerOptions:
    """Options that change analyzer output, and so are part of the layer-cache key."""

    max_file_size: int = 64 * 1024 * 1024
    max_archive_memory: int = 256 * 1024 * 1024
    include_dev: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def cache_token(self) -> str:
        items = sorted(self.extra.items())
        return f"{self.max_file_size}:{self.max_archive_memory}:{self.include_dev}:{items}"


class AnalyzerKind(enum.StrEnum):
    """What an analyzer inventories: the distribution's packages or the applications'."""

    OS = "os"
    LIBRARY = "library"


class Analyzer(ABC):
    """One package source: declares the files it needs and parses each one it is given.

    Subclasses set ``name`` (stable, used in the cache key), ``version`` (bump it whenever
    the output for the same input changes, so cached layer results are not reused) and
    ``kind`` (``--pkg-types`` selects analyzers by it).
    ``max_size`` bounds the bodies this analyzer accepts; larger files are skipped with a warning.
    ``needs_seek`` asks for a seekable file (ELF and zip readers); such bodies are spooled to a
    temporary file past the memory bound instead of held whole in memory.
    ``file_names`` and ``file_suffixes`` are a promise about `wants`: it accepts no file whose
    base name is not in ``file_names`` and ends in none of ``file_suffixes``. The walk then
    asks it only about the files the promise admits (`wants` would be asked about every file
    of every layer, and most analyzers want one or two names of thousands). With both empty,
    as for the analyzers of executables, `wants` is asked about every file.
    """

    name: str = ""
    version: int = 1
    kind: AnalyzerKind = AnalyzerKind.LIBRARY
    max_size: int = 64 * 1024 * 1024
    needs_seek: bool = False
    file_names: frozenset[str] = frozenset()
    file_suffixes: tuple[str, ...] = ()

    @abstractmethod
    def wants(self, path: str, meta: FileMeta) -> bool:
        """Whether this analyzer needs the body of ``path`` (relative, no leading slash)."""

    @abstractmethod
    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        """Parse one file. Raise nothing for bad content: return warnings instead."""
