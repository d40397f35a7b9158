"""NuGet package versions, per NuGet's documented versioning rules.

``Major[.Minor[.Patch[.Revision]]][-label[.label...]][+metadata]``, from the "Package
versioning" documentation:

* missing numeric parts are 0 and a fourth part is allowed (legacy ``System.Version``);
  leading zeros are ignored (``1.01 == 1.1``, ``1.0.0.0 == 1.0.0``: "normalized version
  numbers");
* a version without a pre-release label sorts after every version with one;
* labels compare part by part, numeric parts numerically and before alphanumeric parts, which
  compare case-insensitively (ordinal, upper-cased), and a shorter label list that is a prefix
  of a longer one sorts first (SemVer 2.0, which NuGet follows since 4.3);
* build metadata is ignored.

Written here because no maintained Python package implements NuGet's ordering.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "key"]

_VERSION = re.compile(
    r"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_INT32_MAX = 2**31 - 1
_RELEASE = (1,)

Label = tuple[int, int] | tuple[int, str]
NugetKey = tuple[int, int, int, int, tuple[int, ...] | tuple[int | Label, ...]]


def _label(part: str) -> Label:
    # Numeric labels are those .NET parses as a 32-bit integer; others compare as text.
    if part.isdigit() and int(part) <= _INT32_MAX:
        return (0, int(part))
    return (1, part.upper())


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> NugetKey:
    """Sort key of a NuGet version; VersionError if it is not one."""
    m = _VERSION.fullmatch(version.strip())
    if m is None:
        raise invalid(Scheme.NUGET, version, "not N[.N[.N[.N]]][-label][+metadata]")
    numbers = [int(part or 0) for part in m.group(1, 2, 3, 4)]
    if max(numbers) > _INT32_MAX:
        raise invalid(Scheme.NUGET, version, "a version part is above 2147483647")
    labels = m[5]
    release = (0, *(_label(p) for p in labels.split("."))) if labels else _RELEASE
    return (numbers[0], numbers[1], numbers[2], numbers[3], release)


COMPARATOR = Comparator(Scheme.NUGET, key, keyed_compare(key))
