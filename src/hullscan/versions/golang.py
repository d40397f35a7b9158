"""Go module versions, per golang.org/x/mod/semver, plus the Go toolchain's own release names.

x/mod/semver accepts ``vMAJOR[.MINOR[.PATCH]][-pre][+build]`` (the shorthands ``v1`` and
``v1.2`` mean ``v1.0.0`` and ``v1.2.0`` and take no pre-release or build), numbers and numeric
pre-release identifiers without leading zeros, and orders like SemVer: build metadata, such as
``+incompatible``, is ignored, and pseudo-versions (``v0.0.0-20220314234659-1baeb1ce4c0b``)
are ordinary pre-releases. Its ``Compare`` treats every invalid string as equal to every other
and below all valid versions; ``compare`` here does the same, ``key`` raises instead, so the
matcher cannot silently order garbage.

OSV writes Go versions without the ``v`` (``1.19.8``), so a missing ``v`` is added. Standard
library versions may also come as toolchain names (``go1.21rc2``, ``go1.19``, as binaries
report them); they are mapped the way the Go vulnerability database maps them:
``go1.21rc2`` -> ``v1.21.0-rc.2``, ``go1.19`` -> ``v1.19.0``.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, sign

__all__ = ["COMPARATOR", "GoKey", "canonical_input", "compare", "key"]

_NUM = r"0|[1-9][0-9]*"
_IDENT = rf"(?:{_NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"v({_NUM})(?:\.({_NUM})(?:\.({_NUM})"
    rf"(?:-({_IDENT}(?:\.{_IDENT})*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?",
    re.ASCII,
)
_TOOLCHAIN = re.compile(r"go([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:(beta|rc)([0-9]+))?")

Identifier = tuple[int, int] | tuple[int, str]
GoKey = tuple[int, int, int, tuple[int, ...] | tuple[int | Identifier, ...]]

# Below every valid key: the first element of a valid key is a major version (>= 0).
_INVALID_KEY: GoKey = (-1, 0, 0, ())


def canonical_input(version: str) -> str:
    """The string x/mod/semver is asked about: ``v`` added, toolchain names translated."""
    m = _TOOLCHAIN.fullmatch(version)
    if m:
        major, minor, patch, kind, num = m.groups()
        pre = f"-{kind}.{num}" if kind else ""
        return f"v{major}.{minor or 0}.{patch or 0}{pre}"
    return version if version.startswith("v") else "v" + version


def _parse(version: str) -> GoKey | None:
    m = _SEMVER.fullmatch(canonical_input(version))
    if m is None:
        return None
    major, minor, patch, pre = m.groups()
    if pre:
        ids = tuple((0, int(i)) if i.isdigit() else (1, i) for i in pre.split("."))
        return (int(major), int(minor or 0), int(patch or 0), (0, *ids))
    return (int(major), int(minor or 0), int(patch or 0), (1,))


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> GoKey:
    """Sort key of a valid Go version; VersionError for what x/mod/semver calls invalid."""
    parsed = _parse(version)
    if parsed is None:
        raise invalid(Scheme.GO, version, "not vMAJOR[.MINOR[.PATCH[-pre][+build]]]")
    return parsed


@functools.lru_cache(maxsize=CACHE_SIZE)
def _lenient_key(version: str) -> GoKey:
    parsed = _parse(version)
    return _INVALID_KEY if parsed is None else parsed


def compare(a: str, b: str) -> int:
    """x/mod/semver's ``Compare``: invalid versions are equal and lowest."""
    return sign(_lenient_key(a), _lenient_key(b))


COMPARATOR = Comparator(Scheme.GO, key, compare)
