"""Pieces every version scheme shares: the scheme names, the key type and the error helper.

Each scheme module turns a version string into a *sort key*: a value whose ordinary Python
ordering is the scheme's ordering. Most keys are tuples of ints and strings, because tuple
comparison runs in C; a matcher that parses each version once and then compares keys gets
hundreds of thousands of comparisons a second. Maven's ordering is defined by a recursive item
tree that does not flatten into a tuple, so its key is an object with rich comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from hullscan.errors import VersionError

#: Parsed versions kept per scheme; a scan sees a few thousand distinct versions at most.
CACHE_SIZE = 1 << 16


class Scheme(StrEnum):
    """The version orderings hullscan implements (several ecosystems share one)."""

    DPKG = "dpkg"
    RPM = "rpm"
    APK = "apk"
    PEP440 = "pep440"
    SEMVER = "semver"
    SEMVER_TOLERANT = "semver-tolerant"
    NPM = "npm"
    PUB = "pub"
    MAVEN = "maven"
    GO = "go"
    RUBYGEMS = "rubygems"
    NUGET = "nuget"
    COMPOSER = "composer"


class SortKey(Protocol):
    """Anything with a total order: tuples, packaging's Version, the Maven key object."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __le__(self, other: Any, /) -> bool: ...

    def __gt__(self, other: Any, /) -> bool: ...

    def __ge__(self, other: Any, /) -> bool: ...


class KeyFn(Protocol):
    """A scheme's parser: version string to sort key, raising VersionError if unparseable."""

    def __call__(self, version: str, /) -> SortKey: ...


class CompareFn(Protocol):
    """A scheme's three-way comparison of two version strings."""

    def __call__(self, a: str, b: str, /) -> int: ...


def invalid(scheme: Scheme, version: str, why: str) -> VersionError:
    """The one error shape of this package: scheme, version and reason on one line."""
    return VersionError(f"invalid {scheme.value} version {version!r}: {why}")


def sign(a: SortKey, b: SortKey) -> int:
    """Three-way result of comparing two keys of one scheme."""
    return -1 if a < b else (1 if a > b else 0)


@dataclass(frozen=True, slots=True)
class Comparator:
    """One scheme's entry points, as the public API dispatches to them.

    ``compare`` is usually ``sign(key(a), key(b))``; Go and apk override it because their
    upstream comparison also orders strings that their parsers reject (see those modules).
    """

    scheme: Scheme
    key: KeyFn
    compare: CompareFn

    def is_valid(self, version: str) -> bool:
        """Whether ``key`` accepts the version."""
        try:
            self.key(version)
        except VersionError:
            return False
        return True


def keyed_compare(key: KeyFn) -> CompareFn:
    """A compare function that parses both sides with ``key``."""

    def compare(a: str, b: str) -> int:
        return sign(key(a), key(b))

    return compare
