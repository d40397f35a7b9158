"""Rust crates: pinned in ``Cargo.lock`` and embedded in binaries by cargo-auditable.

``Cargo.lock`` (format v1 with ``[metadata]`` checksums and ``"name version (source)"``
dependency strings, v2, v3 and v4 alike: the ``[[package]]`` tables carry name and version in
all of them) gives every locked package, the workspace's own crates included, as Trivy reports
them; without the Cargo.toml files a relationship is not known.

cargo-auditable writes zlib-compressed JSON (``{"packages": [{"name", "version", "source",
"kind", "dependencies", "root"}]}``) into the ``.dep-v0`` ELF section. Build-time
dependencies (``"kind": "build"``) are not in the binary and are left out; the ``root`` crate is
the ``root``, the rest ``unknown``, as Trivy reports them.
"""

from __future__ import annotations

import json
import zlib
from typing import IO, Any

from packageurl import PackageURL

from hullscan.inventory.elf import ELF_MAGIC, ElfError, ElfFile
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    Ecosystem,
    FileMeta,
    FileResult,
    Package,
    PackageType,
    Relationship,
)

__all__ = ["ANALYZERS", "CargoAuditableAnalyzer", "CargoLockAnalyzer"]

_MAX_LOCK_SIZE = 32 * 1024 * 1024
_MIN_BINARY_SIZE = 1024
_MAX_BINARY_SIZE = 256 * 1024 * 1024
_EXEC_BITS = 0o111
_AUDIT_SECTION = ".dep-v0"
_MAX_AUDIT_COMPRESSED = 8 * 1024 * 1024
# cargo-auditable's own reader refuses more than this once decompressed.
_MAX_AUDIT_JSON = 8 * 1024 * 1024


def crate(
    name: str,
    version: str,
    found_in: str,
    relationship: Relationship = Relationship.UNKNOWN,
    source: str = "",
) -> Package:
    """One crate as a `Package` (purl ``pkg:cargo/<name>@<version>``)."""
    return Package(
        type=PackageType.CARGO,
        name=name,
        version=version,
        found_in=found_in,
        ecosystem=Ecosystem.CRATES,
        purl=str(PackageURL(type="cargo", name=name, version=version or None).to_string()),
        relationship=relationship,
        extra=(("source", source),) if source else (),
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class CargoLockAnalyzer(Analyzer):
    name = "cargo-lock"
    file_names = frozenset({"Cargo.lock"})
    version = 1
    max_size = _MAX_LOCK_SIZE

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path[-10:] == "Cargo.lock" and (len(path) == 10 or path[-11] == "/")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        import tomllib  # with the first Cargo.lock: most images hold none

        try:
            doc = tomllib.loads(body.read().decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            return FileResult(warnings=(f"{path}: not a valid Cargo.lock: {err}",))
        entries = doc.get("package", [])
        if not isinstance(entries, list):
            return FileResult(warnings=(f"{path}: not a valid Cargo.lock: 'package' is no list",))
        packages = []
        skipped = 0
        for entry in entries:
            name = _str(entry.get("name")) if isinstance(entry, dict) else ""
            version = _str(entry.get("version")) if isinstance(entry, dict) else ""
            if not name or not version:
                skipped += 1
                continue
            packages.append(crate(name, version, path, source=_str(entry.get("source"))))
        warnings = (f"{path}: {skipped} [[package]] entries without name or version",)
        return FileResult(packages=tuple(packages), warnings=warnings if skipped else ())


class CargoAuditableAnalyzer(Analyzer):
    """Crates listed by cargo-auditable in an executable's ``.dep-v0`` section.

    Damaged ELF files are left for the Go binary analyzer to report (it reads every executable
    too); this one warns only when the audit data itself cannot be read.
    """

    name = "rust-binary"
    version = 1
    max_size = _MAX_BINARY_SIZE
    needs_seek = True

    def wants(self, path: str, meta: FileMeta) -> bool:
        return bool(meta.mode & _EXEC_BITS) and _MIN_BINARY_SIZE <= meta.size <= _MAX_BINARY_SIZE

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        body.seek(0)
        # LIMITATION: ELF only; audit data of PE (Windows) or Mach-O (macOS) files is not read.
        if body.read(4) != ELF_MAGIC:
            return FileResult()
        try:
            elf = ElfFile.of(body)
        except ElfError:
            return FileResult()
        section = elf.section(_AUDIT_SECTION)
        if section is None:
            return FileResult()
        try:
            compressed = elf.read_section(section, _MAX_AUDIT_COMPRESSED)
            inflater = zlib.decompressobj()
            raw = inflater.decompress(compressed, _MAX_AUDIT_JSON + 1)
            if len(raw) > _MAX_AUDIT_JSON:
                raise ValueError(f"audit data is larger than {_MAX_AUDIT_JSON} bytes")
            doc = json.loads(raw)
            items = doc["packages"]
            if not isinstance(items, list):
                raise ValueError("'packages' is not a list")
        except (ElfError, zlib.error, ValueError, KeyError, TypeError) as err:
            return FileResult(warnings=(f"{path}: unreadable cargo-auditable data: {err}",))
        packages = []
        for item in items:
            if not isinstance(item, dict) or item.get("kind", "runtime") != "runtime":
                continue
            name, version = _str(item.get("name")), _str(item.get("version"))
            if not name or not version:
                continue
            rel = Relationship.ROOT if item.get("root") is True else Relationship.UNKNOWN
            packages.append(crate(name, version, path, rel, _str(item.get("source"))))
        return FileResult(packages=tuple(packages))


ANALYZERS: list[Analyzer] = [CargoLockAnalyzer(), CargoAuditableAnalyzer()]
