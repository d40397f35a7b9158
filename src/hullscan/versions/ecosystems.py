"""Which version ordering each ecosystem uses, by OSV ecosystem name or a lower-case alias.

OSV names are matched exactly as OSV spells them ("crates.io", "PyPI", "Red Hat"); a release
suffix after the first colon ("Debian:12", "Alpine:v3.18", "Ubuntu:22.04:LTS") is ignored
because the ordering does not depend on the release. The lower-case aliases are the purl
types and the scheme names, for callers that start from a package URL.
"""

from __future__ import annotations

import functools
from types import MappingProxyType

from hullscan.errors import VersionError
from hullscan.versions import (
    apk,
    composer,
    dpkg,
    golang,
    maven,
    nuget,
    pep440,
    rpm,
    rubygems,
    semver,
)
from hullscan.versions._common import Comparator, Scheme

__all__ = ["COMPARATORS", "ECOSYSTEMS", "comparator_for", "scheme_of"]

_RPM_DISTROS = (
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "SUSE",
    "openSUSE",
    "SLES",
    "Mariner",
    "Azure Linux",
    "Photon OS",
    "Amazon Linux",
    "Oracle Linux",
    "Fedora",
    "CentOS",
    "openEuler",
)

#: Ecosystem name or alias -> version scheme.
ECOSYSTEMS: MappingProxyType[str, Scheme] = MappingProxyType(
    {
        "Debian": Scheme.DPKG,
        "Ubuntu": Scheme.DPKG,
        **dict.fromkeys(_RPM_DISTROS, Scheme.RPM),
        "Alpine": Scheme.APK,
        "Wolfi": Scheme.APK,
        "Chainguard": Scheme.APK,
        "PyPI": Scheme.PEP440,
        "npm": Scheme.NPM,
        "crates.io": Scheme.SEMVER,
        "Hex": Scheme.SEMVER,
        "Pub": Scheme.PUB,
        "Bitnami": Scheme.SEMVER_TOLERANT,
        "SwiftURL": Scheme.SEMVER_TOLERANT,
        "GitHub Actions": Scheme.SEMVER_TOLERANT,
        "Go": Scheme.GO,
        "Maven": Scheme.MAVEN,
        "RubyGems": Scheme.RUBYGEMS,
        "NuGet": Scheme.NUGET,
        "Packagist": Scheme.COMPOSER,
        # purl types and other lower-case aliases
        "deb": Scheme.DPKG,
        "debian": Scheme.DPKG,
        "ubuntu": Scheme.DPKG,
        "rpm": Scheme.RPM,
        "apk": Scheme.APK,
        "alpine": Scheme.APK,
        "pypi": Scheme.PEP440,
        "cargo": Scheme.SEMVER,
        "hex": Scheme.SEMVER,
        "pub": Scheme.PUB,
        "golang": Scheme.GO,
        "go": Scheme.GO,
        "maven": Scheme.MAVEN,
        "gem": Scheme.RUBYGEMS,
        "rubygems": Scheme.RUBYGEMS,
        "nuget": Scheme.NUGET,
        "composer": Scheme.COMPOSER,
        "packagist": Scheme.COMPOSER,
        # the scheme names themselves
        **{scheme.value: scheme for scheme in Scheme},
    }
)

#: Scheme -> its comparator.
COMPARATORS: MappingProxyType[Scheme, Comparator] = MappingProxyType(
    {
        c.scheme: c
        for c in (
            dpkg.COMPARATOR,
            rpm.COMPARATOR,
            apk.COMPARATOR,
            pep440.COMPARATOR,
            semver.STRICT_COMPARATOR,
            semver.TOLERANT_COMPARATOR,
            semver.NPM_COMPARATOR,
            semver.PUB_COMPARATOR,
            maven.COMPARATOR,
            golang.COMPARATOR,
            rubygems.COMPARATOR,
            nuget.COMPARATOR,
            composer.COMPARATOR,
        )
    }
)


@functools.lru_cache(maxsize=1024)
def scheme_of(ecosystem: str) -> Scheme:
    """The scheme of an OSV ecosystem (release suffix allowed) or alias; VersionError if none."""
    scheme = ECOSYSTEMS.get(ecosystem.partition(":")[0])
    if scheme is None:
        raise VersionError(f"unknown ecosystem {ecosystem!r}: no version ordering is known for it")
    return scheme


def comparator_for(ecosystem: str) -> Comparator:
    """The comparator of an ecosystem; VersionError if the ecosystem is unknown."""
    return COMPARATORS[scheme_of(ecosystem)]
