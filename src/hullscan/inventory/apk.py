"""Alpine (and Wolfi) packages from the apk database ``lib/apk/db/installed``.

The database is a text file of blank-line separated records of ``X:value`` lines (apk-tools'
"installed" format): ``P`` name, ``V`` version, ``A`` arch, ``o`` origin (the source package
advisories name), ``L`` license expression, ``c`` aports commit, ``C`` package checksum, and
the installed files as ``F:<dir>`` followed by ``R:<file>`` lines, which become the package's
owned files.
"""

from __future__ import annotations

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

__all__ = ["ANALYZERS", "ApkAnalyzer", "parse_installed"]

# apk-tools 2 keeps the database in lib/; apk-tools 3 on a merged-/usr system in usr/lib/.
INSTALLED_PATHS = frozenset({"lib/apk/db/installed", "usr/lib/apk/db/installed"})
_MAX_LISTED = 10
# Record fields kept as Package.extra: (tag, key).
_EXTRA = (("c", "git_commit"), ("C", "checksum"))


class _Record:
    """One record being read; kept mutable only while its lines stream past."""

    __slots__ = ("directory", "fields", "files")

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.files: list[str] = []
        self.directory = ""


def _finish(
    record: _Record,
    path: str,
    packages: list[Package],
    owned: list[tuple[str, tuple[str, ...]]],
) -> str | None:
    """Turn a finished record into a package.

    Returns None when it made one; otherwise the record is unusable and its name is returned
    ('' when it has none either) for the warning.
    """
    fields = record.fields
    name = fields.get("P", "")
    version = fields.get("V", "")
    if not name or not version:
        return name
    license_expr = fields.get("L", "")
    packages.append(
        Package(
            type=PackageType.APK,
            name=name,
            version=version,
            found_in=path,
            arch=fields.get("A", ""),
            source_name=fields.get("o") or name,
            source_version=version,
            licenses=(license_expr,) if license_expr else (),
            extra=tuple((key, fields[tag]) for tag, key in _EXTRA if tag in fields),
        )
    )
    if record.files:
        owned.append((name, tuple(record.files)))
    return None


def parse_installed(
    text: str, path: str
) -> tuple[list[Package], list[tuple[str, tuple[str, ...]]], list[str]]:
    """Packages, their owned files and warnings from an apk ``installed`` database.

    Records without a name or version are skipped and summed up in one warning per kind.
    """
    packages: list[Package] = []
    owned: list[tuple[str, tuple[str, ...]]] = []
    versionless: list[str] = []
    nameless = 0
    record = _Record()
    for raw in (*text.split("\n"), ""):
        line = raw.rstrip("\r")
        if not line.strip():
            if record.fields or record.files:
                bad = _finish(record, path, packages, owned)
                if bad:
                    versionless.append(bad)
                elif bad is not None:
                    nameless += 1
                record = _Record()
            continue
        tag, sep, value = line.partition(":")
        if not sep or len(tag) != 1:
            continue
        if tag == "F":
            record.directory = value
        elif tag == "R":
            record.files.append(f"{record.directory}/{value}" if record.directory else value)
        elif tag not in record.fields:
            record.fields[tag] = value
    warnings = []
    if versionless:
        shown = ", ".join(versionless[:_MAX_LISTED])
        more = (
            f" and {len(versionless) - _MAX_LISTED} more" if len(versionless) > _MAX_LISTED else ""
        )
        warnings.append(f"{path}: skipped package(s) without a version (V:): {shown}{more}")
    if nameless:
        warnings.append(f"{path}: skipped {nameless} record(s) without a package name (P:)")
    if not packages and not warnings and text.strip():
        warnings.append(f"{path}: no apk package records found")
    return packages, owned, warnings


class ApkAnalyzer(Analyzer):
    """The apk installed database."""

    name = "apk"
    file_names = frozenset(p.rpartition("/")[2] for p in INSTALLED_PATHS)
    kind = AnalyzerKind.OS
    version = 1

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path in INSTALLED_PATHS

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        text = body.read().decode("utf-8", errors="replace")
        packages, owned, warnings = parse_installed(text, path)
        return FileResult(
            packages=tuple(packages), owned_files=tuple(owned), warnings=tuple(warnings)
        )


ANALYZERS: list[Analyzer] = [ApkAnalyzer()]
