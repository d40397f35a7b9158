"""Which distribution an image is built on, from its release files.

Every release file a layer writes is parsed on its own (`OSReleaseAnalyzer`), so results cache
per layer; `choose_os` then picks the answer from the files still visible in the final image,
in the order the os-release spec gives: ``etc/os-release``, then ``usr/lib/os-release``, then
the older distribution-specific files (``etc/redhat-release``, ``etc/alpine-release``, ...)
for images that lack os-release.

``OSInfo.version`` is what distribution advisories key on: ``VERSION_ID`` as written for most
distributions (Alpine ``3.18.9``, Ubuntu ``22.04``, RHEL ``9.4``), but only the major release
for Debian (``12``, never the point release ``12.15`` from ``etc/debian_version``), because
Debian's security data and OSV's ``Debian:12`` name the major release only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import IO

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerKind,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    OSInfo,
    Package,
    PackageType,
)

__all__ = [
    "ANALYZERS",
    "OSReleaseAnalyzer",
    "choose_os",
    "os_from_packages",
    "parse_os_release",
]


OS_RELEASE_PATHS = ("etc/os-release", "usr/lib/os-release")

# Red Hat style one-liners: "<name> release <version> (<codename>)". Name prefixes map to the
# os-release ID the same distribution uses (first match wins; other names give their first
# word, lowercased).
_RELEASE_LINE = re.compile(r"^(?P<name>.+?)\s+release\s+(?P<version>\d[^\s(]*)")
_RH_IDS = (
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("rocky linux", "rocky"),
    ("almalinux", "almalinux"),
    ("oracle linux", "ol"),
    ("fedora", "fedora"),
    ("amazon linux", "amzn"),
    ("scientific linux", "scientific"),
)
# RHEL and its rebuilds. Release files have no ID_LIKE; one is made up as (ID, "rhel") for
# the rebuilds and (ID,) otherwise, the way Syft reports these files.
_RHEL_LIKE = frozenset({"rhel", "centos", "rocky", "almalinux", "ol", "scientific"})
# CPE vendors of etc/system-release-cpe mapped to os-release IDs.
_CPE_VENDOR_IDS = {
    "redhat": "rhel",
    "oracle": "ol",
    "amazon": "amzn",
    "fedoraproject": "fedora",
}
_ESCAPED = re.compile(r"\\(.)")


def parse_os_release(text: str) -> dict[str, str]:
    """The KEY=value pairs of an os-release style file (also lsb-release), unquoted.

    Follows the os-release spec's shell-like syntax: comments and blank lines are skipped,
    values may be double-quoted (backslash escapes honoured), single-quoted (literal) or bare.
    Leading indentation is tolerated (some images write it).
    """
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            continue
        values[key] = _unquote(value.strip())
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return _ESCAPED.sub(r"\1", inner) if value[0] == '"' else inner
    return value


def _from_os_release(text: str) -> OSInfo | None:
    fields = parse_os_release(text)
    if not fields:
        return None
    return OSInfo(
        # The spec's default when ID is missing.
        family=fields.get("ID", "").lower() or "linux",
        version=fields.get("VERSION_ID", ""),
        codename=fields.get("VERSION_CODENAME", ""),
        name=fields.get("NAME", ""),
        id_like=tuple(fields.get("ID_LIKE", "").split()),
        pretty_name=fields.get("PRETTY_NAME", ""),
    )


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _from_alpine_release(text: str) -> OSInfo | None:
    version = _first_line(text)
    return OSInfo(family="alpine", version=version) if version else None


def _from_debian_version(text: str) -> OSInfo | None:
    """``12.15`` on a release, ``trixie/sid`` on testing/unstable (a codename, no number)."""
    line = _first_line(text)
    if not line:
        return None
    if line[0].isdigit():
        return OSInfo(family="debian", version=line)
    return OSInfo(family="debian", codename=line.split("/")[0])


def _from_lsb_release(text: str) -> OSInfo | None:
    fields = parse_os_release(text)
    family = fields.get("DISTRIB_ID", "").lower()
    if not family:
        return None
    return OSInfo(
        family=family,
        version=fields.get("DISTRIB_RELEASE", ""),
        codename=fields.get("DISTRIB_CODENAME", ""),
        pretty_name=fields.get("DISTRIB_DESCRIPTION", ""),
    )


def _from_redhat_release(text: str) -> OSInfo | None:
    """``Rocky Linux release 8.10 (Green Obsidian)`` and its relatives."""
    line = _first_line(text)
    match = _RELEASE_LINE.match(line)
    if not match:
        return None
    name = match["name"].strip()
    lowered = name.lower()
    family = next(
        (fid for prefix, fid in _RH_IDS if lowered.startswith(prefix)),
        lowered.split()[0],
    )
    like = (family, "rhel") if family in _RHEL_LIKE and family != "rhel" else (family,)
    return OSInfo(
        family=family,
        version=match["version"],
        name=name,
        id_like=like,
        pretty_name=line,
    )


def _from_system_release_cpe(text: str) -> OSInfo | None:
    """``cpe:/o:centos:linux:6:GA`` (CentOS 6 and other pre-os-release Red Hat family)."""
    parts = _first_line(text).split(":")
    if len(parts) < 5 or parts[:2] != ["cpe", "/o"] or not parts[2]:
        return None
    family = _CPE_VENDOR_IDS.get(parts[2].lower(), parts[2].lower())
    return OSInfo(
        family=family, version=parts[4], name=family, id_like=(family,), pretty_name=family
    )


def _from_suse_release(text: str) -> OSInfo | None:
    """``SUSE Linux Enterprise Server 11 (x86_64)`` plus ``VERSION = 11``, ``PATCHLEVEL = 4``."""
    first = _first_line(text)
    if not first:
        return None
    fields = {k.strip(): v.strip() for k, _, v in (ln.partition("=") for ln in text.splitlines())}
    version = fields.get("VERSION", "")
    if version and fields.get("PATCHLEVEL", "0") != "0":
        version = f"{version}.{fields['PATCHLEVEL']}"
    family = "opensuse" if first.lower().startswith("opensuse") else "sles"
    name = first.split(" (")[0]
    return OSInfo(family=family, version=version, name=name, pretty_name=first)


def _from_versioned_line(family: str, dotted_parts: int) -> Callable[[str], OSInfo | None]:
    """Files whose first line ends in the version, e.g. ``CBL-Mariner 2.0.20220226``.

    ``dotted_parts`` keeps only as many dot-separated parts as the distribution's VERSION_ID
    has (Mariner's ``2.0.20220226`` is VERSION_ID ``2.0``).
    """

    def parse(text: str) -> OSInfo | None:
        line = _first_line(text)
        words = line.split()
        if not words or not words[-1][:1].isdigit():
            return None
        version = ".".join(words[-1].split(".")[:dotted_parts])
        return OSInfo(family=family, version=version, name=" ".join(words[:-1]), pretty_name=line)

    return parse


# Release files in the order choose_os consults them when no os-release is visible: the most
# specific first (a CentOS image also has redhat-release and system-release).
_RELEASE_FILES: dict[str, Callable[[str], OSInfo | None]] = {
    "etc/almalinux-release": _from_redhat_release,
    "etc/rocky-release": _from_redhat_release,
    "etc/centos-release": _from_redhat_release,
    "etc/oracle-release": _from_redhat_release,
    "etc/fedora-release": _from_redhat_release,
    "etc/redhat-release": _from_redhat_release,
    "etc/system-release": _from_redhat_release,
    "etc/system-release-cpe": _from_system_release_cpe,
    "etc/SuSE-release": _from_suse_release,
    "etc/photon-release": _from_versioned_line("photon", 2),
    "etc/mariner-release": _from_versioned_line("mariner", 2),
    "etc/azurelinux-release": _from_versioned_line("azurelinux", 2),
    "etc/alpine-release": _from_alpine_release,
    "etc/debian_version": _from_debian_version,
    "etc/lsb-release": _from_lsb_release,
}
_PARSERS: dict[str, Callable[[str], OSInfo | None]] = {
    **dict.fromkeys(OS_RELEASE_PATHS, _from_os_release),
    **_RELEASE_FILES,
}


class OSReleaseAnalyzer(Analyzer):
    """os-release and the distribution release files; one OSInfo per file."""

    name = "os-release"
    file_names = frozenset(p.rpartition("/")[2] for p in _PARSERS)
    kind = AnalyzerKind.OS
    version = 1
    max_size = 64 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path in _PARSERS

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        text = body.read(self.max_size).decode("utf-8", errors="replace")
        info = _PARSERS[path](text)
        if info is None:
            return FileResult(warnings=(f"{path}: no distribution name or version found",))
        return FileResult(os=info)


def _debian_major(version: str) -> str:
    return version.split(".", 1)[0] if version[:1].isdigit() else ""


def choose_os(candidates: Mapping[str, OSInfo]) -> OSInfo | None:
    """The image's distribution from the release files visible in it, keyed by path.

    os-release wins (``etc/`` before ``usr/lib/``); a release file of the same family only
    fills a version or codename the os-release leaves out (distroless Debian images carry an
    os-release without VERSION_ID beside ``etc/debian_version``). Without os-release the most
    specific release file present decides. Debian versions are cut to the major release.
    Returns None when no release file is visible (e.g. distroless images that keep only
    ``var/lib/dpkg/status.d``): see `os_from_packages`.
    """
    chosen = next((candidates[p] for p in OS_RELEASE_PATHS if p in candidates), None)
    fallbacks = [candidates[p] for p in _RELEASE_FILES if p in candidates]
    if chosen is None:
        if not fallbacks:
            return None
        chosen = fallbacks[0]
    for other in fallbacks:
        if other.family != chosen.family or other is chosen:
            continue
        if not chosen.version and other.version:
            chosen = replace(chosen, version=other.version)
        if not chosen.codename and other.codename:
            chosen = replace(chosen, codename=other.codename)
    if chosen.family == "debian":
        chosen = replace(chosen, version=_debian_major(chosen.version))
    return chosen


# Packages that ship a distribution's release files, for images that dropped the files
# themselves: (package type, package name) -> os-release ID.
_RELEASE_PACKAGES = {
    (PackageType.DEB, "base-files"): "debian",
    (PackageType.APK, "alpine-release"): "alpine",
    (PackageType.RPM, "redhat-release"): "rhel",
    (PackageType.RPM, "centos-release"): "centos",
    (PackageType.RPM, "rocky-release"): "rocky",
    (PackageType.RPM, "almalinux-release"): "almalinux",
    (PackageType.RPM, "oraclelinux-release"): "ol",
    (PackageType.RPM, "fedora-release-common"): "fedora",
    (PackageType.RPM, "system-release"): "amzn",
    (PackageType.RPM, "sles-release"): "sles",
    (PackageType.RPM, "mariner-release"): "mariner",
    (PackageType.RPM, "azurelinux-release"): "azurelinux",
}


def os_from_packages(packages: Iterable[Package]) -> OSInfo | None:
    """The distribution named by an installed release package, when no release file is left.

    Distroless Debian images keep ``var/lib/dpkg/status.d`` but may lack ``etc/os-release``;
    their ``base-files`` version (``12.4+deb12u5``) still names the Debian release. Ubuntu's
    ``base-files`` (``12ubuntu4``) does not carry the release number and is not used.
    """
    for pkg in packages:
        family = _RELEASE_PACKAGES.get((pkg.type, pkg.name))
        if family is None:
            continue
        version = pkg.version.split(":", 1)[-1]
        if family == "debian":
            if "ubuntu" in version:
                continue
            return OSInfo(family=family, version=_debian_major(version))
        # Drop the package release: "3.18.9-r0" -> "3.18.9", "9.4-0.6.el9" -> "9.4".
        return OSInfo(family=family, version=version.rsplit("-", 1)[0])
    return None


ANALYZERS: list[Analyzer] = [OSReleaseAnalyzer()]
