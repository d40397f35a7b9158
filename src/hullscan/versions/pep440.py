"""Python package versions (PyPI), per PEP 440, through ``packaging.version``.

packaging is the reference implementation pip uses, so nothing is reimplemented: the key is
packaging's ``Version`` object, whose ordering is PEP 440's (dev < pre < final < post, local
versions after their public version, epochs first, and so on). Legacy non-PEP 440 strings
(``1.0-foo-bar``) are rejected, as pip rejects them since packaging 22.
"""

from __future__ import annotations

import functools

from packaging.version import InvalidVersion, Version

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "key"]


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> Version:
    """packaging's ``Version`` for the string; VersionError if it is not PEP 440."""
    try:
        return Version(version)
    except InvalidVersion:
        raise invalid(Scheme.PEP440, version, "not a PEP 440 version") from None


COMPARATOR = Comparator(Scheme.PEP440, key, keyed_compare(key))
