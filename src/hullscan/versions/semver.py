"""SemVer 2.0 orderings: the strict spec, node-semver's parser, Pub's variant and a tolerant one.

All share SemVer precedence (https://semver.org/#spec-item-11): major, minor and patch as
numbers; a version with a pre-release sorts before the same version without; pre-release
identifiers compare left to right, numeric ones as numbers and below alphanumeric ones
(compared in ASCII order), and a shorter list that is a prefix of a longer one sorts first.
Build metadata is ignored, except by Pub (pub_semver sorts ``1.0.0`` < ``1.0.0+1`` and
compares build identifiers like pre-release ones).

What differs is what they accept:

* ``key`` — strict SemVer 2.0 (crates.io, Hex): ``MAJOR.MINOR.PATCH[-pre][+build]``, no
  leading zeros in numbers or numeric pre-release identifiers.
* ``npm_key`` — node-semver's ``new SemVer(v, {loose})``: surrounding whitespace trimmed and a
  leading ``v`` allowed; loose mode also allows ``=``/``v``/blanks before the version, leading
  zeros and a pre-release without its hyphen (``1.2.3beta``). At most 256 characters and numbers
  up to 2**53 - 1, as node-semver checks.
* ``pub_key`` — pub_semver's ``Version.parse``: leading zeros allowed, build compared.
* ``tolerant_key`` — for ecosystems whose versions are SemVer in spirit only (Bitnami,
  SwiftURL): optional ``v``, one to three numbers (missing ones are 0), leading zeros, optional
  hyphen before the pre-release.

Written here (rather than with the ``semver`` package) because each key is a tuple built once
and compared in C, and because node-semver's exact acceptance rules are needed for npm ranges.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare, sign

__all__ = [
    "NPM_COMPARATOR",
    "PUB_COMPARATOR",
    "STRICT_COMPARATOR",
    "TOLERANT_COMPARATOR",
    "NpmVersion",
    "SemverKey",
    "key",
    "npm_compare",
    "npm_key",
    "parse_npm",
    "pub_key",
    "tolerant_key",
]

_NUM = r"0|[1-9][0-9]*"
_NUM_LOOSE = r"[0-9]+"
_NON_NUMERIC = r"[0-9]*[a-zA-Z-][a-zA-Z0-9-]*"
_PRE_ID = rf"(?:{_NON_NUMERIC}|{_NUM})"
_PRE_ID_LOOSE = rf"(?:{_NON_NUMERIC}|{_NUM_LOOSE})"
_BUILD = r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))"

_STRICT = re.compile(
    rf"({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?{_BUILD}?", re.ASCII
)
# node-semver's FULL and LOOSE expressions.
_NPM_FULL = re.compile(
    rf"v?({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?{_BUILD}?", re.ASCII
)
_NPM_LOOSE = re.compile(
    rf"[v=\s]*({_NUM_LOOSE})\.({_NUM_LOOSE})\.({_NUM_LOOSE})"
    rf"(?:-?({_PRE_ID_LOOSE}(?:\.{_PRE_ID_LOOSE})*))?{_BUILD}?"
)
_PUB = re.compile(
    r"([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_TOLERANT = re.compile(
    r"\s*[vV]?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-?([0-9A-Za-z][0-9A-Za-z-]*(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*"
)

NPM_MAX_LENGTH = 256
NPM_MAX_SAFE_INTEGER = 2**53 - 1

Identifier = tuple[int, int] | tuple[int, str]
PreKey = tuple[int, ...] | tuple[int | Identifier, ...]
SemverKey = tuple[int, int, int, PreKey]
PubKey = tuple[int, int, int, PreKey, PreKey]

_RELEASE: PreKey = (1,)


def _identifiers(text: str) -> tuple[Identifier, ...]:
    # LIMITATION: node-semver compares numeric identifiers above 2**53 as doubles; exact here.
    return tuple((0, int(i)) if i.isdigit() else (1, i) for i in text.split("."))


def _pre_key(pre: str | None) -> PreKey:
    """Pre-release part of the key: a release sorts after every pre-release of it."""
    return (0, *_identifiers(pre)) if pre else _RELEASE


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> SemverKey:
    """Sort key of a strict SemVer 2.0 version (build metadata ignored)."""
    m = _STRICT.fullmatch(version)
    if m is None:
        raise invalid(Scheme.SEMVER, version, "not MAJOR.MINOR.PATCH[-pre][+build] (SemVer 2.0)")
    return (int(m[1]), int(m[2]), int(m[3]), _pre_key(m[4]))


@functools.lru_cache(maxsize=CACHE_SIZE)
def tolerant_key(version: str) -> SemverKey:
    """Sort key of a SemVer-like version with missing parts, a ``v`` or leading zeros."""
    m = _TOLERANT.fullmatch(version)
    if m is None:
        raise invalid(Scheme.SEMVER_TOLERANT, version, "not N[.N[.N]][-pre][+build]")
    return (int(m[1]), int(m[2] or 0), int(m[3] or 0), _pre_key(m[4]))


@functools.lru_cache(maxsize=CACHE_SIZE)
def pub_key(version: str) -> PubKey:
    """Sort key of a pub_semver version; unlike SemVer, build metadata takes part."""
    m = _PUB.fullmatch(version)
    if m is None:
        raise invalid(Scheme.PUB, version, "not MAJOR.MINOR.PATCH[-pre][+build]")
    build: PreKey = (1, *_identifiers(m[5])) if m[5] else (0,)
    return (int(m[1]), int(m[2]), int(m[3]), _pre_key(m[4]), build)


class NpmVersion:
    """A version as node-semver's ``SemVer`` class parses it (for range matching)."""

    __slots__ = ("key", "major", "minor", "patch", "prerelease", "version")

    def __init__(self, major: int, minor: int, patch: int, prerelease: str | None) -> None:
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.key: SemverKey = (major, minor, patch, _pre_key(prerelease))
        # node-semver's formatted ``version``: numbers without leading zeros, no build.
        self.version = f"{major}.{minor}.{patch}"
        if prerelease:
            ids = (_format_id(i) for i in prerelease.split("."))
            self.version += "-" + ".".join(ids)


def _format_id(identifier: str) -> str:
    if identifier.isdigit() and int(identifier) < NPM_MAX_SAFE_INTEGER:
        return str(int(identifier))
    return identifier


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_npm(version: str, loose: bool = False) -> NpmVersion:
    """Parse like node-semver's ``new SemVer(version, {loose})``; VersionError if it throws."""
    if len(version) > NPM_MAX_LENGTH:
        raise invalid(Scheme.NPM, version, f"longer than {NPM_MAX_LENGTH} characters")
    m = (_NPM_LOOSE if loose else _NPM_FULL).fullmatch(version.strip())
    if m is None:
        mode = "loose" if loose else "strict"
        raise invalid(Scheme.NPM, version, f"not a valid ({mode}) node-semver version")
    numbers = int(m[1]), int(m[2]), int(m[3])
    if max(numbers) > NPM_MAX_SAFE_INTEGER:
        raise invalid(Scheme.NPM, version, "a number is above 2**53 - 1")
    return NpmVersion(*numbers, m[4])


def npm_key(version: str, loose: bool = False) -> SemverKey:
    """Sort key of a version as node-semver parses it."""
    return parse_npm(version, loose).key


def npm_compare(a: str, b: str, loose: bool = False) -> int:
    """node-semver's ``compare(a, b, {loose})``."""
    return sign(npm_key(a, loose), npm_key(b, loose))


def _npm_strict_key(version: str) -> SemverKey:
    return npm_key(version)


STRICT_COMPARATOR = Comparator(Scheme.SEMVER, key, keyed_compare(key))
TOLERANT_COMPARATOR = Comparator(Scheme.SEMVER_TOLERANT, tolerant_key, keyed_compare(tolerant_key))
PUB_COMPARATOR = Comparator(Scheme.PUB, pub_key, keyed_compare(pub_key))
NPM_COMPARATOR = Comparator(Scheme.NPM, _npm_strict_key, keyed_compare(_npm_strict_key))
