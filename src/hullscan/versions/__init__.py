"""Version ordering per ecosystem: the comparisons vulnerability matching rests on.

A wrong answer here is a missed or a false vulnerability, so every scheme follows its
ecosystem's reference implementation (dpkg, rpmvercmp, apk-tools, packaging, node-semver,
maven-artifact, x/mod/semver, Gem::Version, NuGet, Composer) and is tested against vectors
transcribed from their test suites. A version a scheme cannot parse raises
:class:`~hullscan.errors.VersionError` naming the ecosystem and the version; nothing is ever
ordered by guess.

Usage::

    compare("Debian:12", "1.2-1", "1.2-1+deb12u1")   # -1
    k = key("PyPI", "2.0rc1")                        # parse once, compare many times
    parse("npm", "1.2.3") < parse("npm", "1.10.0")   # Version objects order too
    satisfies("npm", "^1.2.0 || >=3", "1.4.0")       # node-semver ranges

For the hot path, :func:`key_function` resolves the ecosystem once and returns the scheme's
cached parser; keys of one scheme compare with ``<``, ``==`` and ``>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hullscan.errors import VersionError
from hullscan.versions import npm_range
from hullscan.versions._common import KeyFn, Scheme, SortKey, sign
from hullscan.versions.ecosystems import ECOSYSTEMS, comparator_for, scheme_of

__all__ = [
    "ECOSYSTEMS",
    "KeyFn",
    "Scheme",
    "SortKey",
    "Version",
    "compare",
    "is_valid",
    "key",
    "key_function",
    "parse",
    "satisfies",
    "scheme_of",
]


def _named(ecosystem: str, error: VersionError) -> VersionError:
    return VersionError(f"{ecosystem}: {error}")


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, equal to or after ``b`` in the ecosystem.

    Go and apk order strings their parsers reject exactly as x/mod/semver's ``Compare`` and
    ``apk version -t`` do (see those modules); every other scheme raises VersionError.
    """
    comparator = comparator_for(ecosystem)
    try:
        return comparator.compare(a, b)
    except VersionError as error:
        raise _named(ecosystem, error) from None


def key(ecosystem: str, version: str) -> SortKey:
    """A key for ``version`` whose natural order is the ecosystem's; VersionError if invalid."""
    comparator = comparator_for(ecosystem)
    try:
        return comparator.key(version)
    except VersionError as error:
        raise _named(ecosystem, error) from None


def key_function(ecosystem: str) -> KeyFn:
    """The ecosystem's cached parser, for callers that key many versions of one ecosystem."""
    return comparator_for(ecosystem).key


def is_valid(ecosystem: str, version: str) -> bool:
    """Whether the ecosystem's rules can parse the version (unknown ecosystem: VersionError)."""
    return comparator_for(ecosystem).is_valid(version)


@dataclass(frozen=True, slots=True, eq=False)
class Version:
    """A parsed version: its ecosystem's scheme, the original text and its sort key.

    Versions of one scheme order and compare by key (so ``1.0`` and ``1.0-0`` are equal Debian
    versions); comparing versions of different schemes raises TypeError.
    """

    scheme: Scheme
    text: str
    key: SortKey

    def _other_key(self, other: object) -> SortKey:
        if not isinstance(other, Version):
            raise TypeError(f"cannot compare Version with {type(other).__name__}")
        if other.scheme is not self.scheme:
            raise TypeError(f"cannot compare {self.scheme} with {other.scheme} versions")
        return other.key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version) or other.scheme is not self.scheme:
            return NotImplemented
        return sign(self.key, other.key) == 0

    def __hash__(self) -> int:
        return hash((self.scheme, self.key))

    def __lt__(self, other: Version) -> bool:
        return bool(self.key < self._other_key(other))

    def __le__(self, other: Version) -> bool:
        return bool(self.key <= self._other_key(other))

    def __gt__(self, other: Version) -> bool:
        return bool(self.key > self._other_key(other))

    def __ge__(self, other: Version) -> bool:
        return bool(self.key >= self._other_key(other))

    def __str__(self) -> str:
        return self.text


def parse(ecosystem: str, version: str) -> Version:
    """Parse ``version`` under the ecosystem's rules; VersionError if it cannot be parsed."""
    return Version(scheme_of(ecosystem), version, key(ecosystem, version))


def satisfies(
    ecosystem: str,
    range_text: str,
    version: str,
    loose: bool = False,
    include_prerelease: bool = False,
) -> bool:
    """Whether ``version`` is in the node-semver range, exactly as ``semver.satisfies``.

    Only npm has node-semver ranges; other ecosystems raise VersionError. As in node-semver,
    an invalid range or version is simply not satisfied.
    """
    if scheme_of(ecosystem) is not Scheme.NPM:
        raise VersionError(f"{ecosystem}: node-semver ranges apply to npm only")
    return npm_range.satisfies(range_text, version, loose, include_prerelease)
