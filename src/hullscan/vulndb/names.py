"""How ecosystems and package names are spelt in the database, shared by builder and matcher.

Both sides must normalise the same way or lookups silently miss, so this is the one place
that says how: OSV ecosystem names (with an optional ``:release`` suffix for distributions),
PyPI names per PEP 503, and the case-insensitive registries lower-cased.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from hullscan.inventory.interface import Ecosystem

#: OSV ecosystem names hullscan can match (the part before any ``:release`` suffix).
KNOWN_ECOSYSTEMS = frozenset(e.value for e in Ecosystem)

#: Ecosystems whose advisories are per distribution release (``Debian:12``, ``Alpine:v3.18``).
OS_ECOSYSTEMS = frozenset(
    {
        Ecosystem.DEBIAN,
        Ecosystem.UBUNTU,
        Ecosystem.ALPINE,
        Ecosystem.WOLFI,
        Ecosystem.REDHAT,
        Ecosystem.ROCKY,
        Ecosystem.ALMA,
        Ecosystem.SUSE,
        Ecosystem.OPENSUSE,
        Ecosystem.MARINER,
    }
)

_PEP503 = re.compile(r"[-_.]+")
_LOWERCASE = frozenset({Ecosystem.NUGET.value, Ecosystem.PACKAGIST.value})


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:12`` -> ``Debian``; language ecosystems come back unchanged."""
    return ecosystem.split(":", 1)[0]


def is_known(ecosystem: str) -> bool:
    """Whether records of this OSV ecosystem (release suffix allowed) can be matched."""
    return base_ecosystem(ecosystem) in KNOWN_ECOSYSTEMS


def normalize_name(ecosystem: str, name: str) -> str:
    """The lookup spelling of a package name in ``ecosystem``.

    PyPI names compare per PEP 503 (``Django``, ``django`` and ``DJANGO`` are one project,
    as are ``zope.interface`` and ``zope-interface``); NuGet and Packagist names are
    case-insensitive. Every other registry is case-sensitive, so names are kept as written.
    """
    normalize = normalizer(ecosystem)
    return normalize(name) if normalize else name


def _lower(name: str) -> str:
    return name.lower()


def _pep503(name: str) -> str:
    return _PEP503.sub("-", name).lower()


def _as_written(name: str) -> str:
    return name


@functools.cache
def normalizer(ecosystem: str) -> Callable[[str], str] | None:
    """`normalize_name` for one ecosystem resolved once; None for an unknown ecosystem."""
    if not is_known(ecosystem):
        return None
    base = base_ecosystem(ecosystem)
    if base == Ecosystem.PYPI.value:
        return _pep503
    return _lower if base in _LOWERCASE else _as_written
